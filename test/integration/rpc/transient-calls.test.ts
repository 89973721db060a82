/**
 * `RPC_PERSISTENT: false` on RabbitMQ: requests and replies are transient and published without
 * publisher confirms (the server acknowledges a request once its reply is written). Calls are
 * answered as ever, an unknown service still fails at once (the request's basic.return is matched
 * to its call), and a call nobody answers still times out. The same on the in-memory broker, and
 * what is confirmed, is in test/unit/rpc/transient-calls.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Cluster, ServiceRunner } from "../../../src/index.js";
import {
  connect,
  RpcTimeout,
  rpc,
  runServices,
  service,
  silentLogger,
  UnknownService,
} from "../../../src/index.js";
import { openTap } from "../../support/amqp-tap.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { queueState } from "../../support/queues.js";

const name = uniqueName("transient");
const config = { AMQP_URI: brokerUri(), RPC_PERSISTENT: false };

@service(name)
class Echo {
  @rpc
  echo(value: unknown) {
    return value;
  }

  @rpc
  async slow(ms: number) {
    await sleep(ms);
    return ms;
  }
}

let runner: ServiceRunner;
let cluster: Cluster;
before(async () => {
  runner = await runServices([Echo], { config, logger: silentLogger });
  cluster = await connect({ config, timeoutMs: 10_000, logger: silentLogger });
});
after(async () => {
  await cluster?.close();
  await runner?.stop();
});

test("200 transient calls in flight are all answered; the requests are transient and all acknowledged", async () => {
  await using tap = await openTap(brokerUri(), "nameko-rpc", `${name}.echo`);
  const values = Array.from({ length: 200 }, (_, i) => i);
  assert.deepEqual(await Promise.all(values.map((v) => cluster.rpc[name]!.echo!(v))), values);
  const request = await tap.next();
  assert.equal(request.properties.deliveryMode, 1);
  // Acknowledgements are batched: give the last ones a moment to reach the broker.
  const left = () => queueState(vhostOf(brokerUri()), `rpc-${name}`)?.messages;
  for (let i = 0; i < 20 && left() !== 0; i++) await sleep(100);
  assert.equal(left(), 0, "nothing left unacknowledged");
});

test("a transient call to a service nobody serves fails at once with UnknownService", async () => {
  const ghost = uniqueName("ghost");
  const started = Date.now();
  await assert.rejects(cluster.rpc[ghost]!.boo!(), (err: unknown) => {
    assert.ok(err instanceof UnknownService, String(err));
    assert.equal(err.service, ghost);
    return true;
  });
  assert.ok(Date.now() - started < 2000, "UnknownService must not wait for the 10 s timeout");
  // Calls to served services go on as before, among calls to unknown ones.
  const calls = [cluster.rpc[name]!.echo!("a"), cluster.rpc[ghost]!.boo!(), cluster.rpc[name]!.echo!("b")];
  const outcomes = await Promise.allSettled(calls);
  assert.deepEqual(
    outcomes.map((o) => (o.status === "fulfilled" ? o.value : (o.reason as Error).name)),
    ["a", "UnknownService", "b"],
  );
});

test("a transient call nobody answers in time still fails with RpcTimeout", async (t) => {
  const impatient = await connect({ config, timeoutMs: 300, logger: silentLogger });
  t.after(() => impatient.close());
  const started = Date.now();
  await assert.rejects(impatient.rpc[name]!.slow!(1500), RpcTimeout);
  assert.ok(Date.now() - started < 1200, "it timed out, it did not wait for the reply");
});

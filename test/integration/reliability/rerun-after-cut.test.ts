/**
 * A connection cut while calls run: the broker redelivers their requests, but a request whose
 * reply this instance has published (or is publishing) is acknowledged without running again.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { rpc, service } from "../../../src/index.js";
import { createVhost, rabbitmqctlAsync, uniqueName } from "../../support/broker.js";
import { testResources } from "../../support/resources.js";

const resources = testResources();
const { uri, vhost } = createVhost("enoki-rerun");

test("50 calls running through two connection cuts: each runs once and is answered once", async () => {
  const name = uniqueName("busy");
  const runs = new Map<number, number>();
  @service(name)
  class Busy {
    @rpc
    async job(id: number) {
      runs.set(id, (runs.get(id) ?? 0) + 1);
      await sleep(10_000); // long enough that both cuts (a rabbitmqctl takes 1-3 s) come while every call runs
      return id;
    }
  }
  const runner = await resources.runner([Busy], { AMQP_URI: uri, max_workers: 50 });
  const cluster = await resources.client({ uri, timeoutMs: 30_000 });
  let answered = 0;
  const calls = Array.from({ length: 50 }, (_, i) =>
    cluster.rpc[name]!.job!(i).finally(() => {
      answered++;
    }),
  );
  while (runs.size < 50) await sleep(10);
  // As the fault probe of issue 13 did: two cuts, the second once the first has been recovered
  // from (reconnects take well under 500 ms) and while the calls still run.
  await rabbitmqctlAsync("close_all_connections", "-p", vhost, "enoki rerun test, cut 1");
  await sleep(600);
  await rabbitmqctlAsync("close_all_connections", "-p", vhost, "enoki rerun test, cut 2");
  assert.equal(answered, 0, "the second cut came while the calls still ran");
  const answers = await Promise.all(calls);
  assert.deepEqual(
    answers,
    Array.from({ length: 50 }, (_, i) => i),
  );
  await sleep(500); // a rerun would start within this
  const reruns = [...runs.values()].reduce((sum, n) => sum + n - 1, 0);
  console.log(`# ${reruns} reruns after two cuts, 50 calls in flight`);
  assert.equal(reruns, 0);
  void runner;
});

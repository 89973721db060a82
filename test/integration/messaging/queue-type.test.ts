/**
 * Queue types on the real RabbitMQ: `QUEUE_TYPE: quorum` declares quorum queues (a one-node
 * quorum queue works as any other), and a service whose queue exists with another type fails to
 * start once, with a clear message and exit code 2, instead of retrying or crash-looping.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Cluster,
  connect,
  eventDispatcher,
  eventHandler,
  rpc,
  runServices,
  service,
  silentLogger,
} from "../../../src/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { killAllCli, scratchDir, startCli } from "../../support/cli.js";
import { listBroker } from "../../support/queues.js";
import { waitFor } from "../../support/wait.js";

const scratch = scratchDir("queue-type");
let cluster: Cluster;
before(async () => {
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await killAllCli();
  await cluster?.close();
  scratch.remove();
});

function typesIn(vhost: string): Map<string, string> {
  const rows = listBroker("queues", vhost, ["name", "type"]);
  return new Map(rows.map((r) => [String(r.name), String(r.type)]));
}

test("QUEUE_TYPE quorum: RPC and reliable event queues are quorum, reply and broadcast queues classic", async () => {
  const svc = uniqueName("quorate");
  const source = uniqueName("source");
  const seen: unknown[] = [];
  @service(source)
  class Source {
    dispatch = eventDispatcher();
    @rpc
    async fire(n: number) {
      await this.dispatch("happened", { n });
    }
  }
  @service(svc)
  class Quorate {
    @rpc
    double(n: number) {
      return n * 2;
    }

    @eventHandler(source, "happened")
    onHappened(payload: unknown) {
      seen.push(payload);
    }

    @eventHandler(source, "happened", { handlerType: "broadcast", reliableDelivery: false })
    onBroadcast(_payload: unknown) {}
  }
  const runner = await runServices([Source, Quorate], {
    config: { AMQP_URI: brokerUri(), QUEUE_TYPE: "quorum" },
    logger: silentLogger,
  });
  try {
    assert.equal(await cluster.rpc[svc]!.double!(21), 42);
    await cluster.rpc[source]!.fire!(1);
    await waitFor(() => seen.length === 1, "the event to be handled");
    const types = typesIn(vhostOf(brokerUri()));
    assert.equal(types.get(`rpc-${svc}`), "quorum");
    assert.equal(types.get(`evt-${source}-happened--${svc}.onHappened`), "quorum");
    const broadcast = [...types].find(([name]) =>
      name.startsWith(`evt-${source}-happened--${svc}.onBroadcast-`),
    );
    assert.equal(broadcast?.[1], "classic");
    const replies = [...types].filter(([name]) => name.startsWith("rpc.reply-"));
    assert.ok(replies.length > 0 && replies.every(([, type]) => type === "classic"), JSON.stringify(replies));
  } finally {
    await runner.stop();
  }
});

test("enoki run with a queue of another type: one clear line naming the queue and the fix, exit code 2", async () => {
  const svc = uniqueName("moved");
  const module = scratch.write(
    "moved.ts",
    `import { rpc, service } from "enoki";\n@service("${svc}")\nexport class Moved {\n  @rpc ping() { return "pong"; }\n}\n`,
  );
  // First as Nameko declares it (classic, no type), then with QUEUE_TYPE quorum.
  const classic = startCli(["run", module, "--broker", brokerUri()]);
  await classic.waitForLog(/"running services: /);
  assert.equal(await cluster.rpc[svc]!.ping!(), "pong");
  classic.child.kill("SIGTERM");
  assert.deepEqual(await classic.exited, { code: 0, signal: null });

  const config = scratch.write("quorum.yml", "QUEUE_TYPE: quorum\n");
  const quorum = startCli(["run", module, "--config", config, "--broker", brokerUri()]);
  assert.deepEqual(await quorum.exited, { code: 2, signal: null });
  const failures = quorum
    .stderr()
    .split("\n")
    .filter((line) => /could not start/.test(line));
  assert.equal(failures.length, 1, quorum.stderr());
  const [line] = failures;
  assert.match(
    line!,
    new RegExp(`queue 'rpc-${svc}' in vhost '${vhostOf(brokerUri())}' is a queue created without a type`),
  );
  assert.match(line!, /is now declared quorum/);
  assert.match(line!, /rabbitmqctl delete_queue/);
  assert.doesNotMatch(line!, /"stack"/);
  assert.equal(typesIn(vhostOf(brokerUri())).get(`rpc-${svc}`), "classic", "the queue is untouched");
});

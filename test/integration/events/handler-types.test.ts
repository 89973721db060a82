import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Cluster,
  connect,
  eventHandler,
  runServices,
  type ServiceClass,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../../src/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { queueState } from "../../support/queues.js";
import { delay, waitFor } from "../../support/wait.js";

type Seen = { instance: string; id: number }[];

const runners: ServiceRunner[] = [];
let cluster: Cluster;

async function run(cls: ServiceClass): Promise<void> {
  runners.push(await runServices([cls], { config: { AMQP_URI: brokerUri() }, logger: silentLogger }));
}

before(async () => {
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await cluster?.close();
  await Promise.all(runners.map((r) => r.stop()));
});

function poolService(name: string, source: string, instance: string, seen: Seen) {
  @service(name)
  class Pool {
    @eventHandler(source, "happened")
    handle(payload: { id: number }) {
      seen.push({ instance, id: payload.id });
    }
  }
  return Pool;
}

test("service pool: each service handles each event once, shared by its instances", async () => {
  const source = uniqueName("src");
  const name = uniqueName("pool");
  const other = uniqueName("pool_other");
  const seen: Seen = [];
  const otherSeen: Seen = [];
  await run(poolService(name, source, "a", seen));
  await run(poolService(name, source, "b", seen));
  await run(poolService(other, source, "c", otherSeen));
  assert.equal(queueState(vhostOf(brokerUri()), `evt-${source}-happened--${name}.handle`)?.consumers, 2);

  for (let id = 1; id <= 6; id++) await cluster.dispatchEvent(source, "happened", { id });
  await waitFor(() => seen.length >= 6 && otherSeen.length >= 6, "6 events in each service");
  await delay(300); // a duplicate would show up now
  assert.deepEqual(seen.map((s) => s.id).sort(), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(otherSeen.map((s) => s.id).sort(), [1, 2, 3, 4, 5, 6]);
  // Both instances consume the one queue (RabbitMQ hands out round-robin).
  assert.ok(seen.some((s) => s.instance === "a") && seen.some((s) => s.instance === "b"));
});

test("broadcast: every instance handles every event", async () => {
  const source = uniqueName("src");
  const name = uniqueName("bcast");
  const seen: Seen = [];
  function broadcaster(instance: string) {
    @service(name)
    class Broadcast {
      @eventHandler(source, "happened", { handlerType: "broadcast", reliableDelivery: false })
      handle(payload: { id: number }) {
        seen.push({ instance, id: payload.id });
      }
    }
    return Broadcast;
  }
  await run(broadcaster("a"));
  await run(broadcaster("b"));
  for (let id = 1; id <= 3; id++) await cluster.dispatchEvent(source, "happened", { id });
  await waitFor(() => seen.length >= 6, "3 events in each instance");
  await delay(300);
  const ids = (instance: string) =>
    seen
      .filter((s) => s.instance === instance)
      .map((s) => s.id)
      .sort();
  assert.deepEqual(ids("a"), [1, 2, 3]);
  assert.deepEqual(ids("b"), [1, 2, 3]);
});

test("singleton: one handler in the cluster handles each event, across services", async () => {
  const source = uniqueName("src");
  const seen: Seen = [];
  function singleton(name: string) {
    @service(name)
    class Singleton {
      @eventHandler(source, "happened", { handlerType: "singleton" })
      handle(payload: { id: number }) {
        seen.push({ instance: name, id: payload.id });
      }
    }
    return Singleton;
  }
  const first = uniqueName("single_a");
  const second = uniqueName("single_b");
  await run(singleton(first));
  await run(singleton(second));
  assert.equal(queueState(vhostOf(brokerUri()), `evt-${source}-happened`)?.consumers, 2);
  for (let id = 1; id <= 6; id++) await cluster.dispatchEvent(source, "happened", { id });
  await waitFor(() => seen.length >= 6, "6 events");
  await delay(300);
  assert.deepEqual(seen.map((s) => s.id).sort(), [1, 2, 3, 4, 5, 6]);
  assert.ok(seen.some((s) => s.instance === first) && seen.some((s) => s.instance === second));
});

test("events dispatched while no instance runs wait in a reliable queue", async () => {
  const source = uniqueName("src");
  const name = uniqueName("late");
  const seen: Seen = [];
  const cls = poolService(name, source, "a", seen);
  await run(cls);
  const runner = runners.pop() as ServiceRunner;
  await runner.stop();
  await cluster.dispatchEvent(source, "happened", { id: 7 });
  assert.equal(queueState(vhostOf(brokerUri()), `evt-${source}-happened--${name}.handle`)?.messages, 1);
  await run(cls);
  await waitFor(() => seen.length === 1, "the queued event");
  assert.deepEqual(seen, [{ instance: "a", id: 7 }]);
});

/**
 * Workers and scaling: max_workers bounds a process, and another process (container) shares the
 * calls round-robin.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { eventHandler, rpc, service } from "../../../src/index.js";
import { brokerUri, rabbitmqctlAsync, uniqueName, vhostOf } from "../../support/broker.js";
import type { Row } from "../../support/queues.js";
import { testResources } from "../../support/resources.js";
import { waitFor } from "../../support/wait.js";

function makeSleeper(name: string, instance: string) {
  @service(name)
  class Sleeper {
    @rpc
    async nap(ms: number) {
      await sleep(ms);
      return instance;
    }
  }
  return Sleeper;
}

const resources = testResources();

const start = (name: string, instance: string, config: Record<string, unknown> = {}) =>
  resources.runner([makeSleeper(name, instance)], { AMQP_URI: brokerUri(), ...config });
const client = () => resources.client({ uri: brokerUri() });

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, (performance.now() - started) / 1000];
}

test("20 calls of a 1 s method with 10 workers take about 2 s", async () => {
  const name = uniqueName("sleepy");
  await start(name, "a");
  const cluster = await client();
  const [results, seconds] = await timed(() =>
    Promise.all(Array.from({ length: 20 }, () => cluster.rpc[name]!.nap!(1000))),
  );
  assert.equal(results.length, 20);
  assert.ok(seconds >= 1.9 && seconds < 3.5, `took ${seconds.toFixed(2)} s`);
});

test("with two containers, the same 20 calls take about 1 s, shared between them", async () => {
  const name = uniqueName("sleepy");
  await start(name, "a");
  await start(name, "b");
  const cluster = await client();
  const [results, seconds] = await timed(() =>
    Promise.all(Array.from({ length: 20 }, () => cluster.rpc[name]!.nap!(1000))),
  );
  assert.ok(seconds < 1.9, `took ${seconds.toFixed(2)} s`);
  assert.equal(results.filter((r) => r === "a").length, 10);
  assert.equal(results.filter((r) => r === "b").length, 10);
});

test("max_workers=2 gives replies in pairs", async () => {
  const name = uniqueName("pairs");
  await start(name, "a", { max_workers: 2 });
  const cluster = await client();
  const started = performance.now();
  const finished = await Promise.all(
    Array.from({ length: 4 }, () =>
      cluster.rpc[name]!.nap!(400).then(() => (performance.now() - started) / 1000),
    ),
  );
  finished.sort();
  assert.ok(finished[1]! < 0.75, `first pair at ${finished[1]}`);
  assert.ok(finished[2]! >= 0.75, `second pair at ${finished[2]}`);
});

test("prefetch follows max_workers: the broker hands a max_workers=2 service two messages at a time", async () => {
  const name = uniqueName("prefetch");
  const source = uniqueName("src");
  let started = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  @service(name)
  class Held {
    @rpc
    async hold() {
      started++;
      await gate;
      return "done";
    }

    @eventHandler(source, "tick")
    tick() {}
  }
  await resources.runner([Held], { AMQP_URI: brokerUri(), max_workers: 2 });
  resources.defer(async () => release()); // runs before the runner stops, even if the test fails
  const cluster = await client();

  const calls = Array.from({ length: 5 }, () => cluster.rpc[name]!.hold!());
  await waitFor(() => started === 2, "two workers to start");
  const vhost = vhostOf(brokerUri());
  const [queues, consumers] = await Promise.all(
    [
      ["list_queues", "name", "messages_ready", "messages_unacknowledged"],
      ["list_consumers", "queue_name", "prefetch_count"],
    ].map(async ([what, ...columns]) => {
      const out = await rabbitmqctlAsync(what!, "-p", vhost, ...columns, "--formatter", "json");
      return JSON.parse(out) as Row[];
    }),
  );
  const rpcQueue = queues!.find((q) => q.name === `rpc-${name}`);
  assert.deepEqual(
    [rpcQueue?.messages_ready, rpcQueue?.messages_unacknowledged],
    [3, 2],
    "two requests delivered (one per worker), three left in the queue",
  );
  const prefetch = (queue: string) => consumers!.find((c) => c.queue_name === queue)?.prefetch_count;
  assert.equal(prefetch(`rpc-${name}`), 2);
  assert.equal(prefetch(`evt-${source}-tick--${name}.tick`), 2);
  assert.equal(started, 2);

  release();
  assert.deepEqual(await Promise.all(calls), Array(5).fill("done"));
});

/**
 * Graceful stop answers what is in flight; a kill loses nothing: the broker hands the unfinished
 * calls to another instance.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { rpc, service } from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { testResources } from "../../support/resources.js";

function makeWorker(name: string, instance: string, started: string[]) {
  @service(name)
  class Worker {
    @rpc
    async job(id: number, ms: number) {
      started.push(`${instance}:${id}`);
      await sleep(ms);
      return { id, instance };
    }
  }
  return Worker;
}

const resources = testResources();

const start = (cls: new () => object) => resources.runner([cls], { AMQP_URI: brokerUri() });
const client = () => resources.client({ uri: brokerUri() });

test("a gracefully stopped container answers its in-flight calls, then stops", async () => {
  const name = uniqueName("graceful");
  const started: string[] = [];
  const runner = await start(makeWorker(name, "a", started));
  const cluster = await client();
  const calls = Array.from({ length: 5 }, (_, i) => cluster.rpc[name]!.job!(i, 800));
  while (started.length < 5) await sleep(10);
  const stopping = runner.stop();
  const results = await Promise.all(calls);
  await stopping;
  assert.deepEqual(
    results.map((r) => (r as { id: number }).id),
    [0, 1, 2, 3, 4],
  );
  assert.equal(await runner.closed, undefined);
});

test("a stopped container takes no new calls: they wait in the queue for the next instance", async () => {
  const name = uniqueName("handover");
  const started: string[] = [];
  const first = await start(makeWorker(name, "a", started));
  await first.stop();
  const cluster = await client();
  const call = cluster.rpc[name]!.job!(1, 10);
  await sleep(300);
  assert.deepEqual(started, []);
  await start(makeWorker(name, "b", started));
  assert.deepEqual(await call, { id: 1, instance: "b" });
});

test("a killed container loses no call: the other instance answers them", async () => {
  const name = uniqueName("killed");
  const started: string[] = [];
  const victim = await start(makeWorker(name, "victim", started));
  const cluster = await client();
  const calls = Array.from({ length: 5 }, (_, i) => cluster.rpc[name]!.job!(i, 1500));
  while (started.length < 5) await sleep(10);
  await start(makeWorker(name, "survivor", started));
  await victim.kill();
  const results = (await Promise.all(calls)) as Array<{ id: number; instance: string }>;
  assert.deepEqual(
    results.map((r) => [r.id, r.instance]),
    [0, 1, 2, 3, 4].map((i) => [i, "survivor"]),
  );
  assert.ok((await victim.closed) instanceof Error);
});

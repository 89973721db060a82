/**
 * Connection loss: the broker closes every connection of the vhost while calls are in flight.
 * Services reconnect with backoff, declare their topology again and resume; callers get their
 * replies (the durable reply queue keeps them) or a clear error, never a hang.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ReplyQueueLost, rpc, service } from "../../../src/index.js";
import type { TransportStatus } from "../../../src/transport/transport.js";
import { createVhost, rabbitmqctl, rabbitmqctlAsync, uniqueName } from "../../support/broker.js";
import { testResources } from "../../support/resources.js";

const resources = testResources();
const { uri, vhost } = createVhost("enoki-reliability");

function makeSlow(name: string, runs: number[]) {
  @service(name)
  class Slow {
    @rpc
    async job(id: number, ms: number) {
      runs.push(id);
      await sleep(ms);
      return id;
    }
  }
  return Slow;
}

const start = (cls: new () => object) => resources.runner([cls], { AMQP_URI: uri });
const client = () => resources.client({ uri, timeoutMs: 20_000 });

/** The time from the connection's loss until it is connected again. */
async function timeToRecover(statusOf: () => TransportStatus, cut: () => Promise<unknown>): Promise<number> {
  const cutting = cut();
  while (statusOf() === "connected") await sleep(1);
  const lost = performance.now();
  while (statusOf() !== "connected") await sleep(5);
  await cutting;
  return performance.now() - lost;
}

const cutConnections = () => rabbitmqctlAsync("close_all_connections", "-p", vhost, "enoki reliability test");

test("calls in flight when every connection is cut are all answered, once each", async () => {
  const name = uniqueName("slow");
  const runs: number[] = [];
  const runner = await start(makeSlow(name, runs));
  const cluster = await client();
  const calls = Array.from({ length: 10 }, (_, i) => cluster.rpc[name]!.job!(i, 1000));
  while (runs.length < 10) await sleep(10);
  const recoveredIn = await timeToRecover(() => runner.transport!.status, cutConnections);
  const results = await Promise.allSettled(calls);
  const answered = results
    .filter((r) => r.status === "fulfilled")
    .map((r) => (r as PromiseFulfilledResult<unknown>).value);
  assert.deepEqual(answered.sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  console.log(
    `# recovered in ${recoveredIn.toFixed(0)} ms; ${runs.length} runs for 10 calls (redelivered ones run again)`,
  );
  assert.ok(recoveredIn < 5000, `recovered in ${recoveredIn} ms`);
});

test("after the cut, the service and the client work as before", async () => {
  const name = uniqueName("slow");
  const runs: number[] = [];
  await start(makeSlow(name, runs));
  const cluster = await client();
  assert.equal(await cluster.rpc[name]!.job!(1, 0), 1);
  await cutConnections();
  // Published while reconnecting: waits for the connection, then goes through.
  assert.equal(await cluster.rpc[name]!.job!(2, 0), 2);
  assert.equal(await cluster.rpc[name]!.job!(3, 0), 3);
});

test("a reply published while the caller is disconnected waits in its reply queue", async () => {
  const name = uniqueName("slow");
  const runs: number[] = [];
  await start(makeSlow(name, runs));
  const cluster = await client();
  const call = cluster.rpc[name]!.job!(7, 300);
  while (runs.length < 1) await sleep(5);
  // Only the client's connection goes: the service replies into the durable reply queue.
  const connections = rabbitmqctl("list_connections", "-p", vhost, "pid", "client_properties");
  const standalone = connections
    .split("\n")
    .find((l) => l.includes("enoki standalone"))
    ?.split("\t")[0];
  assert.ok(standalone, connections);
  await rabbitmqctlAsync("close_connection", standalone, "cut the caller");
  assert.equal(await call, 7);
  assert.deepEqual(runs, [7], "the service ran it once");
});

test("a reply queue lost while calls wait fails them at once (their replies cannot arrive)", async () => {
  const name = uniqueName("slow");
  const runs: number[] = [];
  await start(makeSlow(name, runs));
  const replyQueues = () =>
    rabbitmqctl("list_queues", "-p", vhost, "name")
      .split("\n")
      .filter((q) => q.startsWith("rpc.reply-standalone_rpc_proxy-"));
  const before = replyQueues();
  const cluster = await client();
  assert.equal(await cluster.rpc[name]!.job!(0, 0), 0);
  const replyQueue = replyQueues().find((q) => !before.includes(q));
  assert.ok(replyQueue);
  const call = cluster.rpc[name]!.job!(1, 10_000);
  while (runs.length < 2) await sleep(5);
  const started = performance.now();
  // Watch the call before deleting: it may fail while rabbitmqctl is still running.
  const failed = assert.rejects(call, ReplyQueueLost);
  await rabbitmqctlAsync("delete_queue", "-p", vhost, replyQueue);
  await failed;
  assert.ok(performance.now() - started < 8000, "failed long before the reply was due");
  // The queue is declared again, so later calls work.
  assert.equal(await cluster.rpc[name]!.job!(2, 0), 2);
});

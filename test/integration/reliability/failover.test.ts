/**
 * Failover across a broker list (`AMQP_URI: amqp://a;amqp://b`, kombu's syntax). The "nodes"
 * are TCP proxies in this process in front of the shared RabbitMQ (and a port nothing listens
 * on): stopping a proxy is its node going away, without disturbing the broker other tests use.
 */
import assert from "node:assert/strict";
import { get } from "node:http";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { AmqpTransport } from "../../../src/amqp/amqp-transport.js";
import { amqplib } from "../../../src/amqp/amqplib.js";
import { ReplyQueueLost, rpc, service } from "../../../src/index.js";
import type { Transport } from "../../../src/transport/transport.js";
import { createVhost, rabbitmqctl, rabbitmqctlAsync, uniqueName } from "../../support/broker.js";
import { testResources } from "../../support/resources.js";
import { deadPort, startTcpProxy } from "../../support/tcp-proxy.js";

const resources = testResources();
const { vhost } = createVhost("enoki-failover");
const uriAt = (port: number) => `amqp://guest:guest@127.0.0.1:${port}/${encodeURIComponent(vhost)}`;
const masked = (port: number) => uriAt(port).replace(":guest@", ":***@");

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

/** The broker a transport is connected to (masked URI), `undefined` while it is not. */
const brokerOf = (transport: Transport | undefined) => (transport as AmqpTransport | undefined)?.broker;

/** The status of `/health/ready` (a fresh connection each time: no kept-alive socket to reset). */
function readiness(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/health/ready", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test("a broker list is tried in turn: with the first broker down, services and clients connect to the next", async () => {
  const dead = await deadPort();
  const list = `${uriAt(dead)};${uriAt(5672)}`;
  const name = uniqueName("slow");
  const runner = await resources.runner([makeSlow(name, [])], { AMQP_URI: list });
  const cluster = await resources.client({ uri: list, timeoutMs: 20_000 });
  assert.equal(brokerOf(runner.transport), masked(5672));
  assert.equal(brokerOf(cluster.transport), masked(5672));
  assert.equal(await cluster.rpc[name]!.job!(1, 0), 1);
});

test("when the broker in use goes away, every process fails over to the next, consumers and reply queue back", async () => {
  const node = await startTcpProxy();
  resources.defer(() => node.stop());
  const list = `${uriAt(node.port)};${uriAt(5672)}`;
  const name = uniqueName("slow");
  const runs: number[] = [];
  const runner = await resources.runner([makeSlow(name, runs)], {
    AMQP_URI: list,
    HEALTH_ADDRESS: "127.0.0.1:0",
  });
  const healthPort = runner.health?.address?.port ?? 0;
  const cluster = await resources.client({ uri: list, timeoutMs: 20_000 });
  assert.equal(brokerOf(runner.transport), masked(node.port), "the first broker of the list, while it is up");
  assert.equal(brokerOf(cluster.transport), masked(node.port));
  const calls = Array.from({ length: 5 }, (_, i) => cluster.rpc[name]!.job!(i, 500));
  await waitFor("the calls to start", () => runs.length === 5);
  // /health/ready answers from this state: not ready from the loss until consumers are back.
  const statuses: string[] = [];
  runner.transport?.onStatus((status) => statuses.push(status));
  await node.stop();
  const gone = performance.now();
  await waitFor("the service to fail over", () => brokerOf(runner.transport) === masked(5672));
  const service = performance.now() - gone;
  await waitFor("the client to fail over", () => brokerOf(cluster.transport) === masked(5672));
  const client = performance.now() - gone;
  console.log(
    `# failed over to the next broker: service ${service.toFixed(0)} ms, client ${client.toFixed(0)} ms`,
  );
  assert.deepEqual(statuses, ["disconnected", "connected"]);
  assert.equal(await readiness(healthPort), 200);
  // Work in progress when the node went is answered (its replies wait in the durable reply
  // queue, or the requests are redelivered and run again), and new calls work.
  assert.deepEqual((await Promise.all(calls)).sort(), [0, 1, 2, 3, 4]);
  assert.equal(await cluster.rpc[name]!.job!(9, 0), 9);
});

test("a broker back after an outage of 6.3 s: every process consumes again within 1.5 s, /health/ready shows the gap", async () => {
  const node = await startTcpProxy();
  resources.defer(() => node.stop());
  const uri = uriAt(node.port);
  const name = uniqueName("slow");
  const runner = await resources.runner([makeSlow(name, [])], {
    AMQP_URI: uri,
    HEALTH_ADDRESS: "127.0.0.1:0",
  });
  const healthPort = runner.health?.address?.port ?? 0;
  const cluster = await resources.client({ uri, timeoutMs: 20_000 });
  assert.equal(await cluster.rpc[name]!.job!(1, 0), 1);
  assert.equal(await readiness(healthPort), 200);
  await node.stop();
  await waitFor("the service to see the loss", () => runner.transport?.status !== "connected");
  assert.equal(await readiness(healthPort), 503, "not ready while the broker is away");
  // As the stop_app/start_app: long enough for the backoff to reach its longest delays.
  await sleep(6_300);
  assert.equal(await readiness(healthPort), 503);
  await node.start();
  const back = performance.now();
  const reconnected: Record<string, number> = {};
  const watch = (who: string, transport: Transport | undefined) =>
    waitFor(`${who} to reconnect`, () => transport?.status === "connected").then(() => {
      reconnected[who] = performance.now() - back;
    });
  await Promise.all([watch("service", runner.transport), watch("client", cluster.transport)]);
  while ((await readiness(healthPort)) !== 200) await sleep(10);
  reconnected.ready = performance.now() - back;
  console.log(
    `# after the broker accepted connections again: service ${reconnected.service?.toFixed(0)} ms, ` +
      `client ${reconnected.client?.toFixed(0)} ms, /health/ready 200 at ${reconnected.ready?.toFixed(0)} ms`,
  );
  // The probe runs every 250 ms; the margin is for a loaded machine.
  for (const [who, ms] of Object.entries(reconnected)) assert.ok(ms < 1_500, `${who} back after ${ms} ms`);
  assert.equal(await cluster.rpc[name]!.job!(2, 0), 2);
});

const replyQueues = () =>
  rabbitmqctl("list_queues", "-p", vhost, "name")
    .split("\n")
    .filter((q) => q.startsWith("rpc.reply-standalone_rpc_proxy-"));

/**
 * A client through a proxy (its "node"), a service connected directly, and the client's reply
 * queue; `lose(replace)` cuts the client off, runs `replace(queue)` on the broker (the queue's
 * node is gone: the queue with it), and lets the client reconnect.
 */
async function callerOnANode() {
  const node = await startTcpProxy();
  resources.defer(() => node.stop());
  const name = uniqueName("slow");
  const runs: number[] = [];
  await resources.runner([makeSlow(name, runs)], { AMQP_URI: uriAt(5672) });
  const before = replyQueues();
  const cluster = await resources.client({ uri: uriAt(node.port), timeoutMs: 20_000 });
  assert.equal(await cluster.rpc[name]!.job!(0, 0), 0);
  const queue = replyQueues().find((q) => !before.includes(q));
  assert.ok(queue, "the client's reply queue");
  const call = (id: number, ms: number) => cluster.rpc[name]!.job!(id, ms);
  const lose = async (replace: (queue: string) => Promise<unknown>) => {
    await node.stop();
    await waitFor("the client to see the loss", () => cluster.transport.status !== "connected");
    await replace(queue);
    await node.start();
    return performance.now();
  };
  return { runs, call, lose };
}

test("a reply queue gone when its caller reconnects: the call waiting fails at once with ReplyQueueLost", async () => {
  const { runs, call, lose } = await callerOnANode();
  const waiting = call(1, 3_000);
  await waitFor("the call to start", () => runs.includes(1));
  const failed = assert.rejects(waiting, ReplyQueueLost);
  const back = await lose((queue) => rabbitmqctlAsync("delete_queue", "-p", vhost, queue));
  await failed;
  const after = performance.now() - back;
  console.log(`# ReplyQueueLost ${after.toFixed(0)} ms after the caller's node accepted connections again`);
  assert.ok(after < 5_000, `failed ${after} ms after, long before the 20 s timeout`);
  assert.equal(await call(2, 0), 2, "the queue is declared again for later calls");
});

test("a reply queue that cannot be declared again: waiting calls fail with ReplyQueueLost, later calls use a new one", async () => {
  const { runs, call, lose } = await callerOnANode();
  const waiting = call(1, 3_000);
  await waitFor("the call to start", () => runs.includes(1));
  const failed = assert.rejects(waiting, ReplyQueueLost);
  // A queue of the same name that the client's declare conflicts with (406), as a durable
  // queue whose cluster node is down answers a declare with 404.
  const other = await amqplib.connect(uriAt(5672));
  resources.defer(() => other.close());
  const back = await lose(async (queue) => {
    const channel = await other.createChannel();
    await channel.deleteQueue(queue);
    await channel.assertQueue(queue, { durable: false, autoDelete: false });
    await channel.close();
  });
  await failed;
  const after = performance.now() - back;
  console.log(`# ReplyQueueLost ${after.toFixed(0)} ms after the caller's node accepted connections again`);
  assert.ok(after < 5_000, `failed ${after} ms after, long before the 20 s timeout`);
  assert.equal(await call(2, 0), 2, "a later call gets its reply on a new queue");
});

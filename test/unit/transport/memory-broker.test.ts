/**
 * What only the in-memory broker shows (the shared behaviour is in test/contract).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryBroker, silentLogger } from "../../../src/index.js";
import { MemoryTransport } from "../../../src/transport/memory/memory-transport.js";
import type { Delivery, ExchangeSpec, QueueSpec } from "../../../src/transport/transport.js";
import type { Logger } from "../../../src/util/logger.js";

const topic = (name: string, autoDelete = false): ExchangeSpec => ({
  name,
  type: "topic",
  durable: false,
  autoDelete,
});
const queue = (name: string, flags: Partial<QueueSpec> = {}): QueueSpec => ({
  name,
  durable: false,
  exclusive: false,
  autoDelete: false,
  ...flags,
});
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function setup() {
  const broker = new MemoryBroker();
  const transport = new MemoryTransport({ broker, logger: silentLogger });
  const publish = (exchange: string, routingKey: string, body = "x", headers: Record<string, unknown> = {}) =>
    transport.publish({ exchange, routingKey, body: Buffer.from(body), properties: { headers } });
  return { broker, transport, publish };
}

test("queue() reports messages, unacked deliveries and consumers", async () => {
  const { broker, transport, publish } = setup();
  assert.equal(broker.queue("q"), undefined);
  const got: Delivery[] = [];
  const consumer = await transport.consume({
    queue: queue("q", { durable: true }),
    bindings: [{ exchange: topic("ex"), routingKey: "#" }],
    prefetch: 1,
    onMessage: (d) => got.push(d),
  });
  await Promise.all([publish("ex", "a"), publish("ex", "b")]);
  assert.deepEqual(broker.queue("q"), {
    name: "q",
    durable: true,
    exclusive: false,
    autoDelete: false,
    type: "classic",
    messages: 2,
    unacked: 0,
    consumers: 1,
  });
  await tick();
  assert.equal(got.length, 1);
  assert.equal(broker.queue("q")?.messages, 1);
  assert.equal(broker.queue("q")?.unacked, 1);
  got[0]!.ack();
  await tick();
  assert.equal(broker.queue("q")?.unacked, 1);
  assert.equal(broker.queue("q")?.messages, 0);
  await consumer.close();
  assert.deepEqual(
    { ...broker.queue("q") },
    {
      name: "q",
      durable: true,
      exclusive: false,
      autoDelete: false,
      type: "classic",
      messages: 1,
      unacked: 0,
      consumers: 0,
    },
  );
  assert.ok(broker.queueNames.includes("q"));
  assert.ok(broker.exchangeNames.includes("ex") && broker.exchangeNames.includes("amq.topic"));
  await transport.close();
});

test("deliveries to one queue arrive together in one later turn", async () => {
  const { transport, publish } = setup();
  const got: string[] = [];
  await transport.consume({
    queue: queue("q"),
    bindings: [{ exchange: topic("ex"), routingKey: "#" }],
    prefetch: 0,
    onMessage: (d) => got.push(d.body.toString()),
  });
  const published = Promise.all(["a", "b", "c"].map((b) => publish("ex", "k", b)));
  await published;
  assert.deepEqual(got, []);
  await tick();
  assert.deepEqual(got, ["a", "b", "c"]);
  await transport.close();
});

test("each queue's consumer gets its own copy of body and headers", async () => {
  const { transport, publish } = setup();
  const got: Delivery[] = [];
  for (const name of ["q1", "q2"]) {
    await transport.consume({
      queue: queue(name),
      bindings: [{ exchange: topic("ex"), routingKey: "#" }],
      prefetch: 0,
      onMessage: (d) => {
        got.push(d);
        d.body.fill(0);
        (d.properties.headers.tags as string[]).push("mutated");
      },
    });
  }
  await publish("ex", "k", "body", { tags: ["a"] });
  await tick();
  assert.equal(got.length, 2);
  const [first, second] = got;
  assert.notEqual(first!.body, second!.body);
  assert.deepEqual(second!.properties.headers.tags, ["a", "mutated"]);
  await transport.close();
});

test("exclusive queues are transient whatever the declaration says; amq.* and the default exchange are reserved", async () => {
  const { broker, transport } = setup();
  const spec = { bindings: [], prefetch: 0, onMessage: () => undefined };
  await transport.consume({ ...spec, queue: queue("ex-q", { exclusive: true, durable: true }) });
  assert.equal(broker.queue("ex-q")?.durable, false);
  await transport.consume({ ...spec, queue: queue("ex-q", { exclusive: true, durable: false }) });
  await assert.rejects(
    transport.consume({ ...spec, queue: queue("amq.mine") }),
    /403 \(ACCESS-REFUSED\).*reserved prefix/,
  );
  await assert.rejects(transport.declareExchange(topic("amq.mine")), /ACCESS_REFUSED.*reserved prefix/);
  await assert.rejects(
    transport.declareExchange({ ...topic(""), type: "direct" }),
    /ACCESS_REFUSED.*default exchange/,
  );
  await transport.declareExchange({ name: "amq.topic", type: "topic", durable: true, autoDelete: false });
  await assert.rejects(
    transport.consume({ ...spec, queue: queue("bad-expiry", { arguments: { "x-expires": 0 } }) }),
    /PRECONDITION_FAILED - invalid arg 'x-expires'/,
  );
  await transport.close();
  assert.equal(broker.queue("ex-q"), undefined);
});

test("a queue declared with no name gets a generated one", async () => {
  const { broker, transport, publish } = setup();
  const got: string[] = [];
  await transport.consume({
    queue: queue(""),
    bindings: [{ exchange: topic("ex"), routingKey: "k" }],
    prefetch: 0,
    onMessage: (d) => got.push(d.body.toString()),
  });
  assert.ok(broker.queueNames.some((n) => n.startsWith("amq.gen-")));
  await publish("ex", "k", "hi");
  await tick();
  assert.deepEqual(got, ["hi"]);
  await transport.close();
});

test("an auto-delete exchange goes with its last binding", async () => {
  const { broker, transport } = setup();
  const consumer = await transport.consume({
    queue: queue("q", { autoDelete: true }),
    bindings: [{ exchange: topic("ade", true), routingKey: "#" }],
    prefetch: 0,
    onMessage: () => undefined,
  });
  assert.ok(broker.exchangeNames.includes("ade"));
  await consumer.close();
  assert.equal(broker.queue("q"), undefined);
  assert.ok(!broker.exchangeNames.includes("ade"));
  await assert.rejects(
    transport.publish({ exchange: "ade", routingKey: "k", body: Buffer.alloc(0), properties: {} }),
    /NOT_FOUND/,
  );
  await transport.close();
});

test("a throwing onMessage is logged and its message kept until the consumer closes", async () => {
  const errors: string[] = [];
  const logger: Logger = {
    ...silentLogger,
    error: (_obj, msg) => errors.push(String(msg)),
    child: () => logger,
  };
  const broker = new MemoryBroker();
  const transport = new MemoryTransport({ broker, logger });
  const consumer = await transport.consume({
    queue: queue("q"),
    bindings: [{ exchange: topic("ex"), routingKey: "#" }],
    prefetch: 0,
    onMessage: () => {
      throw new Error("bug");
    },
  });
  await transport.publish({ exchange: "ex", routingKey: "k", body: Buffer.from("x"), properties: {} });
  await tick();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /onMessage threw/);
  assert.equal(broker.queue("q")?.unacked, 1);
  await consumer.close();
  assert.equal(broker.queue("q")?.messages, 1);
  await transport.close();
});

test("a consumer that always requeues does not starve timers", async () => {
  const { transport, publish } = setup();
  let deliveries = 0;
  await transport.consume({
    queue: queue("q"),
    bindings: [{ exchange: topic("ex"), routingKey: "#" }],
    prefetch: 0,
    onMessage: (d) => {
      deliveries++;
      d.reject(true);
    },
  });
  await publish("ex", "k");
  await sleep(20); // resolves only if the event loop keeps turning
  assert.ok(deliveries > 1);
  await transport.close();
});

test("moves many messages quickly", async () => {
  const { transport } = setup();
  const count = 20_000;
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  await transport.consume({
    queue: queue("q"),
    bindings: [{ exchange: topic("ex"), routingKey: "a.*" }],
    prefetch: 10,
    onMessage: (d) => {
      d.ack();
      if (++received === count) done();
    },
  });
  const start = performance.now();
  const body = Buffer.from(JSON.stringify({ args: [1, 2], kwargs: {} }));
  const headers = { "nameko.call_id_stack": ["a.b.c"], "nameko.language": "en" };
  for (let i = 0; i < count; i++) {
    void transport.publish({ exchange: "ex", routingKey: "a.b", body, properties: { headers } });
  }
  await all;
  // Generous: shared CI machines; this takes well under a second on a laptop.
  assert.ok(performance.now() - start < 10_000, `${count} messages took ${performance.now() - start} ms`);
  await transport.close();
});

/**
 * The Transport contract: one suite, run against every implementation (RabbitMQ and in memory) so
 * they cannot drift. Everything here is observable through the `Transport` port alone.
 *
 * Names are unique per test (the AMQP run shares one vhost with other test files), and every
 * transport a test opens is closed after it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { afterEach, describe, test } from "node:test";
import { UndeliverableMessage } from "../../src/transport/errors.js";
import { QueueTypeMismatch } from "../../src/transport/queue-type.js";
import type {
  Consumer,
  ConsumerSpec,
  Delivery,
  ExchangeSpec,
  MessageProperties,
  QueueSpec,
  ReturnedMessage,
  Transport,
} from "../../src/transport/transport.js";

/** Opens a new, ready connection to the broker under test (same broker on every call). */
export type MakeTransport = () => Promise<Transport>;

/** How long "nothing more arrives" is watched for. */
const QUIET_MS = 150;
/** How long an expected delivery or broker-side change may take. */
const WAIT_MS = 5000;

/** Registers the contract suite for one transport implementation. */
export function describeTransport(name: string, makeTransport: MakeTransport): void {
  describe(`Transport contract: ${name}`, () => {
    const opened: Transport[] = [];
    const connect = async (): Promise<Transport> => {
      const transport = await makeTransport();
      opened.push(transport);
      return transport;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    describeConnection(connect);
    describePublishing(connect);
    describeRouting(connect);
    describeDelivery(connect);
    describeSettlement(connect);
    describeQueueLifecycle(connect);
    describeDeclarations(connect);
    describeQueueAdmin(connect);
  });
}

// --- helpers --------------------------------------------------------------------------------------

function unique(prefix: string): string {
  return `contract-${prefix}-${randomBytes(4).toString("hex")}`;
}

function topic(name = unique("ex")): ExchangeSpec {
  return { name, type: "topic", durable: false, autoDelete: false };
}

function queue(overrides: Partial<QueueSpec> = {}): QueueSpec {
  return { name: unique("q"), durable: false, exclusive: false, autoDelete: false, ...overrides };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it stops throwing (or time runs out, then rethrows its error). */
async function eventually(check: () => void | Promise<void>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(25);
    }
  }
}

/** Collects deliveries and waits for them. */
class Inbox {
  readonly deliveries: Delivery[] = [];
  readonly onMessage = (delivery: Delivery): void => {
    this.deliveries.push(delivery);
  };

  get bodies(): string[] {
    return this.deliveries.map((d) => d.body.toString());
  }

  /** Waits until at least `count` deliveries have arrived. */
  async waitFor(count: number, timeoutMs = WAIT_MS): Promise<Delivery[]> {
    await eventually(() => {
      assert.ok(
        this.deliveries.length >= count,
        `expected ${count} deliveries, have ${this.deliveries.length} (${this.bodies.join(",")})`,
      );
    }, timeoutMs);
    return this.deliveries;
  }

  /** Waits a little and checks that exactly `count` deliveries arrived. */
  async settlesAt(count: number): Promise<void> {
    await this.waitFor(count);
    await sleep(QUIET_MS);
    assert.equal(this.deliveries.length, count, `deliveries: ${this.bodies.join(",")}`);
  }
}

interface ConsumeOptions {
  queue?: QueueSpec;
  exchange?: ExchangeSpec;
  routingKey?: string;
  prefetch?: number;
  noAck?: boolean;
  onFailure?: (err: Error) => void;
}

async function consume(
  transport: Transport,
  options: ConsumeOptions = {},
): Promise<{ inbox: Inbox; consumer: Consumer; spec: ConsumerSpec }> {
  const inbox = new Inbox();
  const q = options.queue ?? queue();
  const spec: ConsumerSpec = {
    queue: q,
    bindings: options.exchange ? [{ exchange: options.exchange, routingKey: options.routingKey ?? "#" }] : [],
    prefetch: options.prefetch ?? 0,
    ...(options.noAck ? { noAck: true } : {}),
    onMessage: inbox.onMessage,
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
  };
  const consumer = await transport.consume(spec);
  return { inbox, consumer, spec };
}

function send(
  transport: Transport,
  exchange: string,
  routingKey: string,
  body: string,
  extra: { mandatory?: boolean; properties?: MessageProperties } = {},
): Promise<void> {
  return transport.publish({
    exchange,
    routingKey,
    body: Buffer.from(body),
    properties: extra.properties ?? {},
    mandatory: extra.mandatory ?? false,
  });
}

async function sendAll(transport: Transport, exchange: string, routingKey: string, bodies: string[]) {
  await Promise.all(bodies.map((b) => send(transport, exchange, routingKey, b)));
}

function range(n: number, prefix = "m"): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Whether a mandatory publish finds a queue (false: returned as undeliverable). */
async function routes(transport: Transport, exchange: string, routingKey: string): Promise<boolean> {
  try {
    await send(transport, exchange, routingKey, "probe", { mandatory: true });
    return true;
  } catch (err) {
    if (err instanceof UndeliverableMessage) return false;
    throw err;
  }
}

// --- connection -------------------------------------------------------------------------------------

function describeConnection(connect: MakeTransport): void {
  test("is connected once ready, reports closing, refuses work after close", async () => {
    const transport = await connect();
    await transport.ready();
    assert.equal(transport.status, "connected");
    assert.equal(typeof transport.description, "string");
    const seen: string[] = [];
    const off = transport.onStatus((s) => seen.push(s));
    await transport.close();
    assert.equal(transport.status, "closed");
    assert.deepEqual(seen, ["closed"]);
    off();
    await transport.close(); // idempotent
    await assert.rejects(send(transport, "amq.topic", "x", "late"));
    await assert.rejects(
      transport.publish({
        exchange: "amq.topic",
        routingKey: "x",
        body: Buffer.from("late"),
        properties: {},
        confirm: false,
      }),
    );
    await assert.rejects(consume(transport));
  });
}

// --- publishing -------------------------------------------------------------------------------------

function describePublishing(connect: MakeTransport): void {
  test("mandatory + unroutable rejects with UndeliverableMessage; without mandatory it is dropped", async () => {
    const transport = await connect();
    const ex = topic();
    await transport.declareExchange(ex);
    await assert.rejects(
      send(transport, ex.name, "nobody.home", "x", { mandatory: true }),
      (err: unknown) =>
        err instanceof UndeliverableMessage && err.exchange === ex.name && err.routingKey === "nobody.home",
    );
    await send(transport, ex.name, "nobody.home", "x");
    // A routable mandatory message resolves.
    const { inbox } = await consume(transport, { exchange: ex, routingKey: "somebody.*" });
    await send(transport, ex.name, "somebody.home", "hello", { mandatory: true });
    await inbox.settlesAt(1);
  });

  test("confirm: false resolves once written; the message arrives intact; an unroutable mandatory one is reported to onReturn listeners instead of rejecting", async () => {
    const transport = await connect();
    const ex = topic();
    const { inbox } = await consume(transport, { exchange: ex, routingKey: "somebody.*" });
    const returns: ReturnedMessage[] = [];
    const off = transport.onReturn?.((m) => returns.push(m));
    assert.ok(off, "the transport reports returns of unconfirmed publishes");
    const unconfirmed = (routingKey: string, correlationId: string) =>
      transport.publish({
        exchange: ex.name,
        routingKey,
        body: Buffer.from(correlationId),
        properties: { correlationId, deliveryMode: 1, contentType: "application/json", headers: { h: "v" } },
        mandatory: true,
        confirm: false,
      });
    await unconfirmed("somebody.home", "c-1");
    await unconfirmed("nobody.home", "c-2"); // resolves: nothing waits for the broker
    // A confirmed publish's return rejects that publish and is not reported to the listeners.
    await assert.rejects(
      send(transport, ex.name, "nobody.else", "x", { mandatory: true, properties: { correlationId: "c-3" } }),
      UndeliverableMessage,
    );
    await inbox.settlesAt(1);
    const delivered = inbox.deliveries[0]!;
    assert.equal(delivered.body.toString(), "c-1");
    assert.equal(delivered.properties.correlationId, "c-1");
    assert.equal(delivered.properties.deliveryMode, 1);
    assert.equal(delivered.properties.headers.h, "v");
    await eventually(() => assert.equal(returns.length, 1));
    const [returned] = returns;
    assert.deepEqual(
      [returned?.exchange, returned?.routingKey, returned?.properties.correlationId],
      [ex.name, "nobody.home", "c-2"],
    );
    off?.();
    await unconfirmed("nobody.home", "c-4");
    await sleep(QUIET_MS);
    assert.equal(returns.length, 1, "a removed listener hears no more returns");
  });

  test("publishing to a missing exchange rejects (NOT_FOUND) and the transport carries on", async () => {
    const transport = await connect();
    const missing = unique("missing");
    await assert.rejects(send(transport, missing, "x", "x"), (err: Error) => {
      assert.match(err.message, /NOT_FOUND/);
      assert.ok(err.message.includes(missing), err.message);
      return true;
    });
    const ex = topic();
    const { inbox } = await consume(transport, { exchange: ex });
    await send(transport, ex.name, "after", "still works", { mandatory: true });
    await inbox.settlesAt(1);
    assert.equal(transport.status, "connected");
  });

  test("the default exchange routes to the queue named by the routing key", async () => {
    const transport = await connect();
    const { inbox, spec } = await consume(transport);
    await send(transport, "", spec.queue.name, "direct to queue", { mandatory: true });
    await inbox.settlesAt(1);
    assert.equal(inbox.deliveries[0]!.exchange, "");
    assert.equal(inbox.deliveries[0]!.routingKey, spec.queue.name);
    await assert.rejects(
      send(transport, "", unique("nobody"), "x", { mandatory: true }),
      UndeliverableMessage,
    );
  });

  test("delivers asynchronously, never inside publish", async () => {
    const transport = await connect();
    const ex = topic();
    let publishing = false;
    let duringPublish = false;
    const inbox = new Inbox();
    await transport.consume({
      queue: queue(),
      bindings: [{ exchange: ex, routingKey: "#" }],
      prefetch: 0,
      onMessage: (d) => {
        if (publishing) duringPublish = true;
        inbox.onMessage(d);
      },
    });
    publishing = true;
    const published = send(transport, ex.name, "k", "x");
    publishing = false;
    await published;
    await inbox.settlesAt(1);
    assert.equal(duringPublish, false);
  });
}

// --- routing ----------------------------------------------------------------------------------------

/** RabbitMQ 3.10's answers (measured), keys that each binding pattern matches among KEYS. */
const KEYS = ["", "a", "a.", ".a", ".", "..", "a.b", "a.b.c", "a..c", "a.b.b.c", "b", "ab", "#", "*", "b.a"];
const TOPIC_TABLE: Record<string, string[]> = {
  "": [""],
  "#": KEYS,
  "*": ["a", "b", "ab", "#", "*"],
  a: ["a"],
  "a.*": ["a.", "a.b"],
  "a.#": ["a", "a.", "a.b", "a.b.c", "a..c", "a.b.b.c"],
  "#.a": ["a", ".a", "b.a"],
  "*.a": [".a", "b.a"],
  "a.*.c": ["a.b.c", "a..c"],
  "a.#.c": ["a.b.c", "a..c", "a.b.b.c"],
  "#.#": KEYS,
  "*.#": KEYS.filter((k) => k !== ""),
  "#.*": KEYS.filter((k) => k !== ""),
  "*.*": ["a.", ".a", ".", "a.b", "b.a"],
  "a..c": ["a..c"],
  "a.": ["a."],
  "#.b.#": ["a.b", "a.b.c", "a.b.b.c", "b", "b.a"],
  "a.#.#": ["a", "a.", "a.b", "a.b.c", "a..c", "a.b.b.c"],
  "a*": [],
};

function describeRouting(connect: MakeTransport): void {
  test("topic bindings match exactly as RabbitMQ's (*, #, empty words)", async () => {
    const transport = await connect();
    const patterns = Object.keys(TOPIC_TABLE);
    const results = await Promise.all(
      patterns.map(async (pattern) => {
        const ex = topic();
        await consume(transport, { exchange: ex, routingKey: pattern, queue: queue({ autoDelete: true }) });
        const matched: string[] = [];
        for (const key of KEYS) if (await routes(transport, ex.name, key)) matched.push(key);
        return [pattern, matched] as const;
      }),
    );
    assert.deepEqual(Object.fromEntries(results), TOPIC_TABLE);
  });

  test("a message reaches each matching queue once, even through several bindings", async () => {
    const transport = await connect();
    const ex = topic();
    const inbox = new Inbox();
    await transport.consume({
      queue: queue(),
      bindings: [
        { exchange: ex, routingKey: "a.*" },
        { exchange: ex, routingKey: "#" },
        { exchange: ex, routingKey: "a.b" },
      ],
      prefetch: 0,
      onMessage: inbox.onMessage,
    });
    const other = await consume(transport, { exchange: ex, routingKey: "*.b" });
    const none = await consume(transport, { exchange: ex, routingKey: "c.#" });
    await send(transport, ex.name, "a.b", "once", { mandatory: true });
    await inbox.settlesAt(1);
    await other.inbox.settlesAt(1);
    assert.equal(none.inbox.deliveries.length, 0);
  });

  test("direct and fanout exchanges", async () => {
    const transport = await connect();
    const direct: ExchangeSpec = {
      name: unique("direct"),
      type: "direct",
      durable: false,
      autoDelete: false,
    };
    const fanout: ExchangeSpec = {
      name: unique("fanout"),
      type: "fanout",
      durable: false,
      autoDelete: false,
    };
    const d = await consume(transport, { exchange: direct, routingKey: "a.*" });
    const f = await consume(transport, { exchange: fanout, routingKey: "ignored" });
    assert.equal(await routes(transport, direct.name, "a.b"), false); // no wildcards on direct
    assert.equal(await routes(transport, direct.name, "a.*"), true);
    assert.equal(await routes(transport, fanout.name, "anything"), true);
    await d.inbox.settlesAt(1);
    await f.inbox.settlesAt(1);
  });
}

// --- what a delivery carries -------------------------------------------------------------------------

function describeDelivery(connect: MakeTransport): void {
  test("body and properties arrive intact; the body is a copy", async () => {
    const transport = await connect();
    const ex = topic();
    const { inbox } = await consume(transport, { exchange: ex });
    const body = Buffer.from("héllo \u0000 bytes");
    const properties: MessageProperties = {
      contentType: "application/json",
      contentEncoding: "utf-8",
      deliveryMode: 2,
      priority: 0,
      correlationId: "corr-1",
      replyTo: "reply-key",
      messageId: "msg-1",
      timestamp: 1_700_000_000,
      type: "kind",
      appId: "app",
      expiration: "60000",
    };
    const published = transport.publish({ exchange: ex.name, routingKey: "r.k", body, properties });
    body.fill(0); // the publisher reuses its buffer
    await published;
    const [d] = await inbox.waitFor(1);
    assert.equal(d!.body.toString(), "héllo \u0000 bytes");
    assert.ok(Buffer.isBuffer(d!.body));
    assert.equal(d!.exchange, ex.name);
    assert.equal(d!.routingKey, "r.k");
    assert.equal(d!.redelivered, false);
    assert.equal(d!.headerError, undefined);
    for (const [key, value] of Object.entries(properties)) {
      assert.equal(d!.properties[key as keyof MessageProperties], value, key);
    }
    assert.deepEqual(d!.properties.headers, {});
    assert.equal(d!.properties.userId, undefined);
  });

  test("header values come out as the AMQP field-table round trip makes them", async () => {
    const transport = await connect();
    const ex = topic();
    const { inbox } = await consume(transport, { exchange: ex });
    class Point {
      x = 1;
      y = 2;
    }
    const nested = { a: 1, list: [1, "two", null] };
    const headers: Record<string, unknown> = {
      string: "x",
      empty: "",
      unicode: "日本",
      int: 5,
      negative: -1,
      int64: 2 ** 40,
      negativeLarge: -(2 ** 40),
      float: 1.5,
      true: true,
      false: false,
      null: null,
      undefined: undefined,
      fn: () => 1,
      nested,
      array: [1, undefined, "x"],
      date: new Date(1_700_000_000_123),
      buffer: Buffer.from("hi"),
      bytes: new Uint8Array([1, 2]),
      smallBigint: 5n,
      bigint: -(2n ** 60n),
      map: new Map([["k", 1]]),
      instance: new Point(),
      "nameko.call_id_stack": ["svc.method.1", "svc.other.2"],
    };
    await transport.publish({
      exchange: ex.name,
      routingKey: "h",
      body: Buffer.alloc(0),
      properties: { headers },
    });
    const [d] = await inbox.waitFor(1);
    const got = d!.properties.headers;
    assert.deepEqual(got, {
      string: "x",
      empty: "",
      unicode: "日本",
      int: 5,
      negative: -1,
      int64: 2 ** 40,
      negativeLarge: -(2 ** 40),
      float: 1.5,
      true: true,
      false: false,
      null: null,
      nested: { a: 1, list: [1, "two", null] },
      array: [1, null, "x"],
      date: new Date(1_700_000_000_000),
      buffer: Buffer.from("hi"),
      bytes: Buffer.from([1, 2]),
      smallBigint: 5,
      bigint: -(2n ** 60n),
      map: {},
      instance: { x: 1, y: 2 },
      "nameko.call_id_stack": ["svc.method.1", "svc.other.2"],
    });
    assert.ok(got.date instanceof Date);
    assert.ok(Buffer.isBuffer(got.bytes));
    assert.notEqual(got.nested, nested); // a copy, never the publisher's object
    (got.nested as { a: number }).a = 99;
    assert.equal(nested.a, 1);
  });

  test("a header AMQP cannot carry rejects the publish, and the connection survives", async () => {
    const transport = await connect();
    const ex = topic();
    const { inbox } = await consume(transport, { exchange: ex });
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 2n ** 70n]) {
      await assert.rejects(
        transport.publish({
          exchange: ex.name,
          routingKey: "bad",
          body: Buffer.alloc(0),
          properties: { headers: { bad } },
        }),
        (err: Error) => err instanceof TypeError || err instanceof RangeError,
      );
    }
    await send(transport, ex.name, "good", "fine", { mandatory: true });
    await inbox.settlesAt(1);
    assert.equal(inbox.bodies[0], "fine");
    assert.equal(transport.status, "connected");
  });

  test("a message whose expiration ran out before delivery is dropped; the others arrive", async () => {
    const transport = await connect();
    const ex = topic();
    const q = queue();
    const first = await consume(transport, { exchange: ex, queue: q });
    await first.consumer.close(); // the queue stays, with nobody consuming it
    await send(transport, ex.name, "k", "gone", { properties: { expiration: "100" } });
    await send(transport, ex.name, "k", "kept", { properties: { expiration: "60000" } });
    await send(transport, ex.name, "k", "plain");
    await sleep(400);
    const { inbox } = await consume(transport, { exchange: ex, queue: q });
    await inbox.settlesAt(2);
    assert.deepEqual(inbox.bodies, ["kept", "plain"]);
    assert.equal(inbox.deliveries[0]!.properties.expiration, "60000");
  });

  test("keeps the order of messages in a queue", async () => {
    const transport = await connect();
    const ex = topic();
    const { inbox } = await consume(transport, { exchange: ex, prefetch: 0 });
    const bodies = range(50);
    await sendAll(transport, ex.name, "k", bodies);
    await inbox.settlesAt(50);
    assert.deepEqual(inbox.bodies, bodies);
  });

  test("honours prefetch per consumer (0 = unlimited)", async () => {
    const transport = await connect();
    const ex = topic();
    const limited = await consume(transport, { exchange: ex, routingKey: "limited", prefetch: 2 });
    const unlimited = await consume(transport, { exchange: ex, routingKey: "unlimited", prefetch: 0 });
    await sendAll(transport, ex.name, "limited", range(5));
    await sendAll(transport, ex.name, "unlimited", range(5));
    await limited.inbox.settlesAt(2);
    await unlimited.inbox.settlesAt(5);
    limited.inbox.deliveries[0]!.ack();
    await limited.inbox.settlesAt(3);
    limited.inbox.deliveries[1]!.reject(false);
    limited.inbox.deliveries[2]!.ack();
    await limited.inbox.settlesAt(5);
    assert.deepEqual(limited.inbox.bodies, range(5));
  });

  test("round-robins the messages of one queue across its consumers", async () => {
    const transport = await connect();
    const other = await connect();
    const ex = topic();
    const q = queue();
    const a = await consume(transport, { exchange: ex, queue: q });
    const b = await consume(other, { exchange: ex, queue: q });
    await sendAll(transport, ex.name, "k", range(6));
    await eventually(() => assert.equal(a.inbox.deliveries.length + b.inbox.deliveries.length, 6));
    await sleep(QUIET_MS);
    assert.deepEqual(a.inbox.bodies, ["m0", "m2", "m4"]);
    assert.deepEqual(b.inbox.bodies, ["m1", "m3", "m5"]);
  });
}

// --- ack, reject, cancel, close ----------------------------------------------------------------------

function describeSettlement(connect: MakeTransport): void {
  test("reject with requeue redelivers (redelivered=true); without requeue drops", async () => {
    const transport = await connect();
    const ex = topic();
    const { inbox } = await consume(transport, { exchange: ex, prefetch: 1 });
    await send(transport, ex.name, "k", "once");
    const [first] = await inbox.waitFor(1);
    assert.equal(first!.redelivered, false);
    first!.reject(true);
    const [, again] = await inbox.waitFor(2);
    assert.equal(again!.body.toString(), "once");
    assert.equal(again!.redelivered, true);
    again!.reject(false);
    await inbox.settlesAt(2);
  });

  test("noAck: the broker forgets each message as it sends it; ack and reject are no-ops", async () => {
    const transport = await connect();
    const ex = topic();
    // Auto-delete: should the consumer's channel close, the queue goes, and what it holds with it.
    const q = queue({ autoDelete: true });
    const { inbox, consumer } = await consume(transport, {
      exchange: ex,
      queue: q,
      noAck: true,
      prefetch: 1,
    });
    await sendAll(transport, ex.name, "k", range(4));
    // prefetch does not hold back a noAck consumer: all four arrive unsettled.
    await inbox.waitFor(4);
    inbox.deliveries[0]!.ack();
    inbox.deliveries[1]!.reject(true); // nothing to requeue: the broker has forgotten it
    await sleep(QUIET_MS);
    // Still consuming on the same channel: on AMQP, settling a noAck delivery's tag would have
    // closed it, deleting the queue, and this message would be lost.
    await send(transport, ex.name, "k", "m4");
    await inbox.settlesAt(5);
    assert.deepEqual(inbox.bodies, range(5));
    await consumer.close();
    assert.equal(transport.status, "connected");
  });

  test("settles once: later ack/reject calls are no-ops", async () => {
    const transport = await connect();
    const ex = topic();
    const { inbox } = await consume(transport, { exchange: ex, prefetch: 1 });
    await sendAll(transport, ex.name, "k", ["a", "b"]);
    const [a] = await inbox.waitFor(1);
    a!.ack();
    a!.ack();
    a!.reject(true);
    const [, b] = await inbox.waitFor(2);
    b!.reject(false);
    b!.reject(true);
    b!.ack();
    await inbox.settlesAt(2);
    assert.deepEqual(inbox.bodies, ["a", "b"]);
    assert.equal(transport.status, "connected");
  });

  test("close() requeues unsettled deliveries in order, redelivered; settling them later is a no-op", async () => {
    const transport = await connect();
    const ex = topic();
    const q = queue();
    const first = await consume(transport, { exchange: ex, queue: q, prefetch: 0 });
    await sendAll(transport, ex.name, "k", range(5));
    const held = await first.inbox.waitFor(5);
    held[1]!.ack();
    await first.consumer.close();
    held[0]!.ack(); // too late: already back in the queue
    held[2]!.reject(false);
    const second = await consume(transport, { queue: q });
    await second.inbox.settlesAt(4);
    assert.deepEqual(second.inbox.bodies, ["m0", "m2", "m3", "m4"]);
    assert.ok(second.inbox.deliveries.every((d) => d.redelivered));
    await first.consumer.close(); // idempotent
  });

  test("cancel() stops new deliveries but deliveries in hand can still be settled", async () => {
    const transport = await connect();
    const ex = topic();
    const q = queue();
    const first = await consume(transport, { exchange: ex, queue: q, prefetch: 2 });
    await sendAll(transport, ex.name, "k", range(5));
    const [m0, m1] = await first.inbox.waitFor(2);
    await first.consumer.cancel();
    m0!.ack();
    m1!.reject(true);
    const second = await consume(transport, { queue: q });
    await second.inbox.settlesAt(4);
    assert.deepEqual(second.inbox.bodies, ["m1", "m2", "m3", "m4"]);
    assert.equal(second.inbox.deliveries[0]!.redelivered, true);
    assert.equal(first.inbox.deliveries.length, 2);
    await first.consumer.close(); // nothing left to requeue
    await sleep(QUIET_MS);
    assert.equal(second.inbox.deliveries.length, 4);
  });

  test("a closed connection requeues the unsettled deliveries of its consumers", async () => {
    const dropped = await connect();
    const survivor = await connect();
    const ex = topic();
    const q = queue();
    const first = await consume(dropped, { exchange: ex, queue: q, prefetch: 0 });
    await sendAll(survivor, ex.name, "k", range(3));
    const held = await first.inbox.waitFor(3);
    held[0]!.ack();
    await dropped.close();
    const second = await consume(survivor, { queue: q });
    await second.inbox.settlesAt(2);
    assert.deepEqual(second.inbox.bodies, ["m1", "m2"]);
    assert.ok(second.inbox.deliveries.every((d) => d.redelivered));
  });
}

// --- exclusive, auto-delete and expiring queues ------------------------------------------------------

function describeQueueLifecycle(connect: MakeTransport): void {
  test("an exclusive queue belongs to its connection and is deleted with it", async () => {
    const owner = await connect();
    const other = await connect();
    const ex = topic();
    const q = queue({ exclusive: true });
    const first = await consume(owner, { exchange: ex, queue: q });
    await first.consumer.close();
    // Still there for its connection, keeping its messages.
    await send(other, ex.name, "k", "kept", { mandatory: true });
    const again = await consume(owner, { exchange: ex, queue: q });
    await again.inbox.settlesAt(1);
    await assert.rejects(consume(other, { exchange: ex, queue: q }), /RESOURCE_LOCKED/);
    await owner.close();
    await eventually(async () => assert.equal(await routes(other, ex.name, "k"), false));
    const reborn = await consume(other, { exchange: ex, queue: q });
    await send(other, ex.name, "k", "fresh", { mandatory: true });
    await reborn.inbox.settlesAt(1);
    assert.deepEqual(reborn.inbox.bodies, ["fresh"]);
  });

  test("an auto-delete queue goes when its last consumer goes (close or cancel)", async () => {
    const transport = await connect();
    const ex = topic();
    const q = queue({ autoDelete: true });
    const a = await consume(transport, { exchange: ex, queue: q });
    const b = await consume(transport, { exchange: ex, queue: q });
    await a.consumer.close();
    assert.equal(await routes(transport, ex.name, "k"), true);
    await b.consumer.close();
    await eventually(async () => assert.equal(await routes(transport, ex.name, "k"), false));

    const q2 = queue({ autoDelete: true });
    const c = await consume(transport, { exchange: ex, queue: q2, routingKey: "c" });
    await c.consumer.cancel();
    await eventually(async () => assert.equal(await routes(transport, ex.name, "c"), false));
  });

  test("x-expires deletes a queue left without consumers (approximately on time)", async () => {
    const transport = await connect();
    const ex = topic();
    const q = queue({ arguments: { "x-expires": 300 } });
    const { consumer } = await consume(transport, { exchange: ex, queue: q });
    await sleep(500);
    assert.equal(await routes(transport, ex.name, "k"), true, "in use: not expired");
    await consumer.close();
    await eventually(async () => assert.equal(await routes(transport, ex.name, "k"), false));
  });
}

// --- declarations ------------------------------------------------------------------------------------

function describeDeclarations(connect: MakeTransport): void {
  test("re-declaring a queue with other flags fails with PRECONDITION_FAILED and harms nothing else", async () => {
    const transport = await connect();
    const ex = topic();
    const q = queue({ arguments: { "x-expires": 60_000 } });
    const original = await consume(transport, { exchange: ex, queue: q });
    let failures = 0;
    const conflicts: Array<[Partial<QueueSpec>, RegExp]> = [
      [{ durable: true }, /PRECONDITION_FAILED.*'durable'/],
      [{ autoDelete: true }, /PRECONDITION_FAILED.*'auto_delete'/],
      [{ arguments: { "x-expires": 1000 } }, /PRECONDITION_FAILED.*'x-expires'/],
    ];
    for (const [change, message] of conflicts) {
      await assert.rejects(
        consume(transport, { exchange: ex, queue: { ...q, ...change }, onFailure: () => failures++ }),
        message,
      );
    }
    assert.equal(transport.status, "connected");
    await send(transport, ex.name, "k", "still consuming", { mandatory: true });
    await original.inbox.settlesAt(1);
    // A rejected consume is gone for good: it does not retry in the background.
    await sleep(1500);
    assert.equal(failures, 0);
  });

  test("a queue keeps its type: another type is a QueueTypeMismatch; quorum refuses auto-delete and exclusive", async () => {
    const transport = await connect();
    const quorum = queue({ durable: true, arguments: { "x-queue-type": "quorum" } });
    const { inbox } = await consume(transport, { queue: quorum });
    await consume(transport, { queue: quorum }); // the same type again: fine
    const { arguments: _, ...untyped } = quorum;
    const cases: Array<[QueueSpec, string | undefined, string | undefined]> = [
      [untyped, undefined, "quorum"],
      [{ ...quorum, arguments: { "x-queue-type": "classic" } }, "classic", "quorum"],
    ];
    for (const [spec, declared, current] of cases) {
      await assert.rejects(consume(transport, { queue: spec }), (err: unknown) => {
        assert.ok(err instanceof QueueTypeMismatch, String(err));
        assert.deepEqual([err.queue, err.declared, err.current], [quorum.name, declared, current]);
        return true;
      });
    }
    const classic = queue({ durable: true });
    await consume(transport, { queue: classic });
    await consume(transport, { queue: { ...classic, arguments: { "x-queue-type": "classic" } } });
    await assert.rejects(
      consume(transport, { queue: { ...classic, arguments: { "x-queue-type": "quorum" } } }),
      (err: unknown) => err instanceof QueueTypeMismatch && err.current === undefined,
    );
    for (const flags of [{ autoDelete: true }, { exclusive: true }, { durable: false }]) {
      await assert.rejects(
        consume(transport, { queue: { ...quorum, name: unique("q"), ...flags } }),
        /PRECONDITION_FAILED.*invalid property/,
      );
    }
    assert.equal(transport.status, "connected");
    await send(transport, "", quorum.name, "still consuming");
    await inbox.settlesAt(1);
  });

  test("re-declaring an exchange with another type fails with PRECONDITION_FAILED", async () => {
    const transport = await connect();
    const ex = topic();
    await transport.declareExchange(ex);
    await transport.declareExchange(ex); // same flags: fine
    await assert.rejects(transport.declareExchange({ ...ex, type: "direct" }), /PRECONDITION_FAILED.*'type'/);
    await assert.rejects(
      transport.declareExchange({ ...ex, durable: true }),
      /PRECONDITION_FAILED.*'durable'/,
    );
    await assert.rejects(
      consume(transport, { exchange: { ...ex, type: "fanout" } }),
      /PRECONDITION_FAILED.*'type'/,
    );
    const { inbox } = await consume(transport, { exchange: ex });
    await send(transport, ex.name, "k", "fine", { mandatory: true });
    await inbox.settlesAt(1);
  });
}

// --- queue administration, headers routing, dead-lettering -----------------------------------------

function describeQueueAdmin(connect: MakeTransport): void {
  test("declareQueue without consuming; inspectQueue counts; purgeQueue empties", async () => {
    const transport = await connect();
    const ex = topic();
    const q = queue();
    assert.equal(await transport.inspectQueue(q.name), undefined);
    await transport.declareQueue(q, [{ exchange: ex, routingKey: "k" }]);
    await transport.declareQueue(q, [{ exchange: ex, routingKey: "k" }]); // again: fine
    await sendAll(transport, ex.name, "k", range(3));
    await eventually(async () =>
      assert.deepEqual(await transport.inspectQueue(q.name), { messages: 3, consumers: 0 }),
    );
    assert.equal(await transport.purgeQueue(q.name), 3);
    assert.deepEqual(await transport.inspectQueue(q.name), { messages: 0, consumers: 0 });
    await assert.rejects(transport.declareQueue({ ...q, durable: true }), /PRECONDITION_FAILED/);
    assert.equal(transport.status, "connected");
  });

  test("getMessage takes one message; unsettled ones go back on close; rejected ones come back", async () => {
    const transport = await connect();
    const q = queue();
    await transport.declareQueue(q);
    assert.equal(await transport.getMessage(q.name), undefined);
    await sendAll(transport, "", q.name, range(3));
    await eventually(async () => assert.equal((await transport.inspectQueue(q.name))?.messages, 3));
    const first = await transport.getMessage(q.name);
    const second = await transport.getMessage(q.name);
    assert.equal(first?.body.toString(), "m0");
    assert.equal(second?.body.toString(), "m1");
    first?.ack();
    second?.reject(true);
    const again = await transport.getMessage(q.name);
    assert.equal(again?.body.toString(), "m1");
    assert.equal(again?.redelivered, true);
    await transport.close(); // "again" unsettled: back in the queue
    const other = await connect();
    await eventually(async () => assert.equal((await other.inspectQueue(q.name))?.messages, 2));
  });

  test("a headers exchange routes by the binding's arguments (x-match any / all)", async () => {
    const transport = await connect();
    const ex: ExchangeSpec = { name: unique("hx"), type: "headers", durable: false, autoDelete: false };
    const any = queue();
    const all = queue();
    await transport.declareQueue(any, [
      { exchange: ex, routingKey: "", arguments: { "x-match": "any", a: 1, b: 2 } },
    ]);
    await transport.declareQueue(all, [
      { exchange: ex, routingKey: "", arguments: { "x-match": "all", a: 1, b: 2 } },
    ]);
    await send(transport, ex.name, "x", "a", { properties: { headers: { a: 1 } } });
    await send(transport, ex.name, "y", "ab", { properties: { headers: { a: 1, b: 2 } } });
    await send(transport, ex.name, "z", "none", { properties: { headers: { a: 2 } } });
    await eventually(async () => {
      assert.equal((await transport.inspectQueue(any.name))?.messages, 2);
      assert.equal((await transport.inspectQueue(all.name))?.messages, 1);
    });
    assert.equal((await transport.getMessage(all.name))?.body.toString(), "ab");
  });

  test("an expired message of a queue nobody consumes is dead-lettered, with x-death", async () => {
    const transport = await connect();
    const target = queue();
    const delay = queue({ arguments: { "x-dead-letter-exchange": "" } });
    const ex: ExchangeSpec = { name: unique("hx"), type: "headers", durable: false, autoDelete: false };
    await transport.declareQueue(target);
    await transport.declareQueue(delay, [{ exchange: ex, routingKey: "", arguments: { delay: 200 } }]);
    const { inbox } = await consume(transport, { queue: target });
    const sentAt = Date.now();
    // Routed by header to the delay queue; on expiry back through the default exchange, by the
    // routing key it was published with: the target queue's name.
    await send(transport, ex.name, target.name, "later", {
      properties: { expiration: "200", headers: { delay: 200, kept: "yes" } },
    });
    const [delivery] = await inbox.waitFor(1);
    const elapsed = Date.now() - sentAt;
    assert.ok(elapsed >= 190, `arrived after ${elapsed} ms`);
    assert.equal(delivery!.body.toString(), "later");
    assert.equal(delivery!.routingKey, target.name);
    assert.equal(delivery!.properties.expiration, undefined);
    const headers = delivery!.properties.headers;
    assert.equal(headers.kept, "yes");
    const deaths = headers["x-death"] as Array<Record<string, unknown>>;
    assert.equal(deaths.length, 1);
    assert.equal(deaths[0]!.queue, delay.name);
    assert.equal(deaths[0]!.reason, "expired");
    assert.equal(deaths[0]!.exchange, ex.name);
    assert.equal(Number(deaths[0]!.count), 1);
  });
}

/**
 * Retries through the broker's delay queues and dead letters, for `@eventHandler` and
 * `@consume`, on the in-memory broker (which dead-letters expired messages as RabbitMQ does).
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type TestContext, test } from "node:test";
import {
  Backoff,
  connect,
  consume,
  eventHandler,
  type FailureOptions,
  MemoryBroker,
  runServices,
  service,
  silentLogger,
} from "../../../src/index.js";
import { MemoryTransport } from "../../../src/transport/memory/memory-transport.js";
import { captureLogger } from "../../support/logs.js";

const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString("hex")}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

class NotReady extends Error {
  override name = "NotReady";
}

/** A `@consume` service whose handler runs `handle`; returns the queue name and the run times. */
async function consumer(
  t: TestContext,
  broker: MemoryBroker,
  options: FailureOptions,
  handle: (run: number) => void,
  config: Record<string, unknown> = {},
  logger = silentLogger,
) {
  const queue = unique("jobs");
  const runs: number[] = [];
  @service(unique("worker"))
  class Worker {
    @consume({ queue: { name: queue } }, options)
    onJob() {
      runs.push(Date.now());
      handle(runs.length);
    }
  }
  const runner = await runServices([Worker], {
    memoryBroker: broker,
    config: { AMQP_URI: "memory://", ...config },
    logger,
  });
  t.after(() => runner.kill());
  return { queue, runs, runner, Worker };
}

async function send(broker: MemoryBroker, queue: string, body: unknown = { id: 1 }): Promise<void> {
  const producer = new MemoryTransport({ broker, logger: silentLogger });
  try {
    await producer.publish({
      exchange: "",
      routingKey: queue,
      body: Buffer.from(JSON.stringify(body)),
      properties: { contentType: "application/json", contentEncoding: "utf-8", headers: { mine: "kept" } },
    });
  } finally {
    await producer.close();
  }
}

async function deadLetters(broker: MemoryBroker, queue: string) {
  if (broker.queue(`${queue}.dead-letter`) === undefined) return [];
  const reader = new MemoryTransport({ broker, logger: silentLogger });
  try {
    const found = [];
    for (;;) {
      const delivery = await reader.getMessage(`${queue}.dead-letter`);
      if (delivery === undefined) return found;
      found.push(delivery);
    }
  } finally {
    await reader.close();
  }
}

test("a handler failing twice then succeeding runs three times, after the scheduled delays", async (t) => {
  const broker = new MemoryBroker();
  const { queue, runs } = await consumer(t, broker, { retry: { schedule: [200, 400], jitter: 0 } }, (run) => {
    if (run <= 2) throw new Error(`failure ${run}`);
  });
  await send(broker, queue);
  await waitUntil(() => runs.length === 3, "the third run");
  const [first, second, third] = runs as [number, number, number];
  assert.ok(second - first >= 195 && second - first < 2000, `first retry after ${second - first} ms`);
  assert.ok(third - second >= 395 && third - second < 2000, `second retry after ${third - second} ms`);
  assert.equal(broker.queue("backoff--200ms")?.messages, 0);
  await sleep(100);
  assert.equal(runs.length, 3);
  assert.deepEqual(await deadLetters(broker, queue), []);
  assert.equal(broker.queue(queue)?.messages, 0);
  assert.equal(broker.queue(queue)?.unacked, 0);
});

test("a poison message lands in the dead-letter queue after the last attempt, with its error", async (t) => {
  const broker = new MemoryBroker();
  const logger = captureLogger();
  const { queue, runs } = await consumer(
    t,
    broker,
    { retry: { attempts: 3, schedule: [20], jitter: 0 } },
    () => {
      throw new NotReady("still broken");
    },
    {},
    logger,
  );
  await send(broker, queue, { poison: true });
  await waitUntil(() => broker.queue(`${queue}.dead-letter`)?.messages === 1, "the dead letter");
  assert.equal(runs.length, 3);
  const [letter] = await deadLetters(broker, queue);
  const h = letter!.properties.headers;
  assert.deepEqual(JSON.parse(letter!.body.toString()), { poison: true });
  assert.equal(letter!.properties.contentType, "application/json");
  assert.equal(h.mine, "kept");
  assert.equal(h["x-enoki-error-type"], "NotReady");
  assert.equal(h["x-enoki-error-message"], "still broken");
  assert.match(String(h["x-enoki-error-stack"]), /NotReady: still broken\n\s+at /);
  assert.equal(h["x-enoki-attempts"], 3);
  assert.equal(h["x-enoki-original-exchange"], "");
  assert.equal(h["x-enoki-original-routing-key"], queue);
  assert.equal(h["x-enoki-original-queue"], queue);
  assert.ok(!Number.isNaN(Date.parse(String(h["x-enoki-dead-lettered-at"]))));
  assert.equal(broker.queue(queue)?.messages, 0);
  const dead = logger.lines.find((l) => l.level === "error" && /is in .*\.dead-letter/.test(l.msg));
  assert.ok(dead, "the dead-lettering is logged as an error");
  assert.equal(dead.fields.deadLetterQueue, `${queue}.dead-letter`);
});

test("without a retry policy a failure is dead-lettered at once; deadLetter: false drops it", async (t) => {
  const broker = new MemoryBroker();
  const dl = await consumer(t, broker, {}, () => {
    throw new Error("boom");
  });
  await send(broker, dl.queue);
  await waitUntil(() => broker.queue(`${dl.queue}.dead-letter`)?.messages === 1, "the dead letter");
  assert.equal(dl.runs.length, 1);
  assert.equal((await deadLetters(broker, dl.queue))[0]!.properties.headers["x-enoki-attempts"], 1);

  const logger = captureLogger();
  const dropped = await consumer(
    t,
    broker,
    { deadLetter: false },
    () => {
      throw new Error("boom");
    },
    {},
    logger,
  );
  await send(broker, dropped.queue);
  await waitUntil(() => logger.lines.some((l) => /acknowledged and dropped/.test(l.msg)), "the drop");
  assert.equal(broker.queue(`${dropped.queue}.dead-letter`), undefined);
  assert.equal(broker.queue(dropped.queue)?.messages, 0);
  assert.equal(broker.queue(dropped.queue)?.unacked, 0);
});

test("retryOn: other errors are dead-lettered at once; a thrown Backoff always retries", async (t) => {
  const broker = new MemoryBroker();
  const other = await consumer(t, broker, { retry: { retryOn: [NotReady], schedule: [20] } }, () => {
    throw new TypeError("a bug");
  });
  await send(broker, other.queue);
  await waitUntil(() => broker.queue(`${other.queue}.dead-letter`)?.messages === 1, "the dead letter");
  assert.equal(other.runs.length, 1);

  const matching = await consumer(t, broker, { retry: { retryOn: [NotReady], schedule: [20] } }, (run) => {
    if (run === 1) throw new NotReady();
  });
  await send(broker, matching.queue);
  await waitUntil(() => matching.runs.length === 2, "the retry");

  // No retry option at all: Backoff retries with the default schedule (1 s, jittered ±10%).
  const logger = captureLogger();
  const backoff = await consumer(
    t,
    broker,
    {},
    (run) => {
      if (run === 1) throw new Backoff("later");
    },
    {},
    logger,
  );
  await send(broker, backoff.queue);
  await waitUntil(() => backoff.runs.length === 2, "the Backoff retry", 5000);
  const gap = backoff.runs[1]! - backoff.runs[0]!;
  assert.ok(gap >= 895 && gap < 3000, `retried after ${gap} ms`);
  // A request to run again, not a bug: a warning without a stack.
  assert.ok(logger.lines.some((l) => l.level === "warn" && l.msg === "expected error in worker"));
  assert.ok(!logger.lines.some((l) => l.level === "error"));
});

test("MESSAGE_MAX_ATTEMPTS bounds requeueOnError; 0 keeps Nameko's requeue forever, held in the process", async (t) => {
  const broker = new MemoryBroker();
  const bounded = await consumer(
    t,
    broker,
    { requeueOnError: true },
    () => {
      throw new Error("always");
    },
    { MESSAGE_MAX_ATTEMPTS: 2 },
  );
  await send(broker, bounded.queue);
  await waitUntil(
    () => broker.queue(`${bounded.queue}.dead-letter`)?.messages === 1,
    "the dead letter",
    5000,
  );
  assert.equal(bounded.runs.length, 2);

  const forever = await consumer(
    t,
    broker,
    { requeueOnError: true },
    () => {
      throw new Error("always");
    },
    { MESSAGE_MAX_ATTEMPTS: 0 },
  );
  await send(broker, forever.queue);
  await waitUntil(() => forever.runs.length === 2, "the requeue", 5000);
  // Held in the process (unacknowledged), never republished nor dead-lettered.
  assert.equal(broker.queue(forever.queue)?.unacked, 1);
  assert.equal(broker.queue(`${forever.queue}.dead-letter`), undefined);
});

test("a process stopped during the backoff loses nothing: the message waits in the broker", async (t) => {
  const broker = new MemoryBroker();
  const { queue, runs, runner, Worker } = await consumer(
    t,
    broker,
    { retry: { schedule: [300], jitter: 0 } },
    (run) => {
      if (run === 1) throw new Error("first");
    },
  );
  await send(broker, queue);
  await waitUntil(() => broker.queue("backoff--300ms")?.messages === 1, "the message in the delay queue");
  await runner.kill(); // dies during the backoff
  assert.equal(broker.queue(queue)?.messages, 0);
  await waitUntil(() => broker.queue(queue)?.messages === 1, "the message back in its queue");
  const again = await runServices([Worker], {
    memoryBroker: broker,
    config: { AMQP_URI: "memory://" },
    logger: silentLogger,
  });
  t.after(() => again.kill());
  await waitUntil(() => runs.length === 2, "the second run");
  await waitUntil(() => broker.queue(queue)?.unacked === 0, "the ack");
  assert.deepEqual(await deadLetters(broker, queue), []);
});

test("an event handler retries and dead-letters the same way, with the event's routing", async (t) => {
  const broker = new MemoryBroker();
  const source = unique("source");
  const name = unique("listener");
  const runs: number[] = [];
  @service(name)
  class Listener {
    @eventHandler(source, "happened", { retry: { attempts: 2, schedule: [20] } })
    onHappened() {
      runs.push(Date.now());
      throw new Error("poison");
    }
  }
  const runner = await runServices([Listener], {
    memoryBroker: broker,
    config: { AMQP_URI: "memory://" },
    logger: silentLogger,
  });
  t.after(() => runner.kill());
  const cluster = await connect({ uri: "memory://", memoryBroker: broker, logger: silentLogger });
  t.after(() => cluster.close());
  await cluster.dispatchEvent(source, "happened", { n: 1 });
  const queue = `evt-${source}-happened--${name}.onHappened`;
  await waitUntil(() => broker.queue(`${queue}.dead-letter`)?.messages === 1, "the dead letter");
  assert.equal(runs.length, 2);
  const h = (await deadLetters(broker, queue))[0]!.properties.headers;
  assert.equal(h["x-enoki-original-exchange"], `${source}.events`);
  assert.equal(h["x-enoki-original-routing-key"], "happened");
  assert.equal(h["x-enoki-original-queue"], queue);
});

/**
 * Event handlers and `@consume` acknowledge a message only after the handler has finished: while
 * it runs the message is unacknowledged, and when the process dies before the handler is done the
 * message goes back to the queue, is delivered to the next instance, runs again, and is then
 * acknowledged once. On the in-memory broker, which has RabbitMQ's acknowledgements.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type TestContext, test } from "node:test";
import {
  connect,
  consume,
  eventHandler,
  MemoryBroker,
  runServices,
  type ServiceClass,
  service,
  silentLogger,
} from "../../../src/index.js";
import { MemoryTransport } from "../../../src/transport/memory/memory-transport.js";

const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString("hex")}`;

/** A handler that runs until the test lets it finish. */
class HeldRuns {
  readonly started: unknown[] = [];
  readonly finished: unknown[] = [];
  readonly #gates: Array<() => void> = [];

  async run(payload: unknown): Promise<void> {
    this.started.push(payload);
    await new Promise<void>((resolve) => this.#gates.push(resolve));
    this.finished.push(payload);
  }

  /** Lets the `n`th run (from 1) finish. */
  finish(n: number): void {
    this.#gates[n - 1]?.();
  }

  async waitStarted(n: number): Promise<void> {
    await waitUntil(() => this.started.length >= n, `run ${n} to start`);
  }
}

/**
 * Sends one message, holds its handler, kills the service, starts it again and lets the second
 * run finish: the acknowledgement must follow the handler at every step.
 */
async function heldHandlerScenario(
  t: TestContext,
  makeService: (runs: HeldRuns) => ServiceClass,
  queueName: string,
  send: (broker: MemoryBroker) => Promise<void>,
): Promise<void> {
  const broker = new MemoryBroker();
  const runs = new HeldRuns();
  const Service = makeService(runs);
  const start = () => runServices([Service], { memoryBroker: broker, config: MEMORY, logger: silentLogger });
  const first = await start();
  t.after(() => first.kill());
  const queue = () => {
    const info = broker.queue(queueName);
    return info && { messages: info.messages, unacked: info.unacked };
  };

  await send(broker);
  await runs.waitStarted(1);
  assert.deepEqual(queue(), { messages: 0, unacked: 1 }, "unacknowledged while the handler runs");

  await first.kill(); // the process dies before the handler is done
  assert.deepEqual(queue(), { messages: 1, unacked: 0 }, "back in the queue");

  const second = await start();
  t.after(() => second.kill());
  await runs.waitStarted(2);
  assert.deepEqual(runs.started.length, 2, "delivered again and run again");
  assert.deepEqual(queue(), { messages: 0, unacked: 1 }, "unacknowledged while the second run runs");

  runs.finish(2);
  await waitUntil(() => queue()?.unacked === 0, "the acknowledgement");
  assert.deepEqual(queue(), { messages: 0, unacked: 0 }, "acknowledged once the handler finished");
  assert.equal(runs.finished.length, 1, "handled to the end once");
  await second.stop();
}

const MEMORY = { AMQP_URI: "memory://" };

test("an event stays unacknowledged while its handler runs, and is handled again after a crash", async (t) => {
  const name = unique("listener");
  const source = unique("source");
  await heldHandlerScenario(
    t,
    (runs) => {
      @service(name)
      class Listener {
        @eventHandler(source, "happened")
        async onHappened(payload: unknown) {
          await runs.run(payload);
        }
      }
      return Listener;
    },
    `evt-${source}-happened--${name}.onHappened`,
    async (broker) => {
      const cluster = await connect({ uri: "memory://", memoryBroker: broker, logger: silentLogger });
      try {
        await cluster.dispatchEvent(source, "happened", { id: 1 });
      } finally {
        await cluster.close();
      }
    },
  );
});

test("a @consume message stays unacknowledged while its handler runs, and is handled again after a crash", async (t) => {
  const name = unique("consumer");
  const queue = unique("jobs");
  await heldHandlerScenario(
    t,
    (runs) => {
      @service(name)
      class Consumer {
        @consume({ queue: { name: queue } })
        async onJob(body: unknown) {
          await runs.run(body);
        }
      }
      return Consumer;
    },
    queue,
    async (broker) => {
      const producer = new MemoryTransport({ broker, logger: silentLogger });
      try {
        await producer.publish({
          exchange: "",
          routingKey: queue,
          body: Buffer.from(JSON.stringify({ id: 1 })),
          properties: { contentType: "application/json", contentEncoding: "utf-8", headers: {} },
        });
      } finally {
        await producer.close();
      }
    },
  );
});

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

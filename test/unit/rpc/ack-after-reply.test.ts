/**
 * A request is acknowledged only once its reply is confirmed (at-least-once): held between the
 * two, it is still unacknowledged; when the reply cannot be published, it goes back to the queue,
 * runs again, and the caller gets one answer. On the in-memory broker; the same on RabbitMQ is
 * in test/integration/rpc/ack-after-reply.test.ts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { connect, MemoryBroker, rpc, ServiceRunner, service, silentLogger } from "../../../src/index.js";
import { MemoryTransport } from "../../../src/transport/memory/memory-transport.js";
import type { OutgoingMessage } from "../../../src/transport/transport.js";
import { holdingTransport } from "../../support/holding-transport.js";

/** A service's replies are the messages it publishes without a reply_to (requests have one). */
const isReply = (message: OutgoingMessage) => message.properties.replyTo === undefined;

test("a request stays unacknowledged while its reply is held; a failed reply requeues it, it runs again, the caller gets one answer", async (t) => {
  const name = `acker_${randomBytes(4).toString("hex")}`;
  const runs: number[] = [];
  @service(name)
  class Doubler {
    @rpc
    double(x: number) {
      runs.push(x);
      return x * 2;
    }
  }
  const broker = new MemoryBroker();
  const transport = holdingTransport(new MemoryTransport({ broker, logger: silentLogger }), isReply);
  const runner = new ServiceRunner({ transport, logger: silentLogger }).add(Doubler);
  t.after(async () => {
    await runner.kill(); // not stop(): a reply still held would keep its worker from finishing
    await transport.close();
  });
  await runner.start();
  const cluster = await connect({ uri: "memory://", memoryBroker: broker, logger: silentLogger });
  t.after(() => cluster.close());
  const queue = () => broker.queue(`rpc-${name}`);

  let answers = 0;
  const answer = cluster.rpc[name]!.double!(21).finally(() => answers++);
  answer.catch(() => undefined); // awaited below; a failed assertion before must not leave it unhandled

  const first = await transport.nextHeld();
  assert.deepEqual(runs, [21], "the worker ran and its reply is on its way");
  assert.equal(queue()?.unacked, 1, "the request is unacknowledged while its reply is held");
  assert.equal(queue()?.messages, 0);
  assert.equal(answers, 0);

  first.fail(new Error("the broker did not confirm the reply"));
  const second = await transport.nextHeld();
  assert.deepEqual(runs, [21, 21], "the request was delivered again and ran again");
  assert.equal(queue()?.unacked, 1, "the redelivered request is unacknowledged while its reply is held");
  assert.equal(answers, 0);

  await second.release();
  assert.equal(await answer, 42);
  assert.equal(answers, 1);
  assert.equal(transport.published.filter(isReply).length, 1, "one reply was published");
  await waitUntil(() => queue()?.unacked === 0);
  assert.deepEqual(queue() && { messages: queue()?.messages, unacked: queue()?.unacked }, {
    messages: 0,
    unacked: 0,
  });
  assert.deepEqual(runs, [21, 21]);
});

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

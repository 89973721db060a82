import assert from "node:assert/strict";
import { test } from "node:test";
import type { Delivery } from "../../../src/extension.js";
import { RequeueBackoff } from "../../../src/messaging/requeue-backoff.js";

function delivery(body: string, redelivered: boolean, headers: Record<string, unknown> = {}): Delivery {
  return {
    body: Buffer.from(body),
    exchange: "src.events",
    routingKey: "happened",
    redelivered,
    properties: { headers },
    ack() {},
    reject() {},
  };
}

test("the delay doubles per failure of the same message, from 1 s up to 30 s", () => {
  const backoff = new RequeueBackoff();
  const delays = [backoff.failed(delivery("a", false))];
  for (let i = 0; i < 7; i++) delays.push(backoff.failed(delivery("a", true)));
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test("messages are counted apart; a first delivery or a success starts again from 1 s", () => {
  const backoff = new RequeueBackoff();
  backoff.failed(delivery("a", false));
  assert.equal(backoff.failed(delivery("a", true)), 2000);
  assert.equal(backoff.failed(delivery("b", true)), 1000, "another body");
  assert.equal(backoff.failed(delivery("a", true, { "nameko.call_id_stack": ["x"] })), 1000, "other headers");
  assert.equal(backoff.failed(delivery("a", false)), 1000, "not redelivered: a new message");
  backoff.failed(delivery("a", true));
  backoff.succeeded(delivery("a", true));
  assert.equal(backoff.failed(delivery("a", true)), 1000);
});

test("headers with 64-bit integers are fine", () => {
  const backoff = new RequeueBackoff(10, 100);
  assert.equal(backoff.failed(delivery("a", true, { big: 2n ** 63n - 1n })), 10);
  assert.equal(backoff.failed(delivery("a", true, { big: 2n ** 63n - 1n })), 20);
});

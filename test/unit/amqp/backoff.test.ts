import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay } from "../../../src/amqp/amqp-transport.js";

test("the backoff doubles from 200 ms with ±30 % jitter", () => {
  assert.equal(
    backoffDelay(1, {}, () => 0),
    140,
  );
  assert.equal(
    backoffDelay(1, {}, () => 1),
    260,
  );
  assert.equal(
    backoffDelay(2, {}, () => 0.5),
    400,
  );
  assert.equal(
    backoffDelay(4, {}, () => 0.5),
    1600,
  );
});

test("the jitter never takes a delay above the 5 s cap (it once gave 'retrying in 6.0 s')", () => {
  for (let attempt = 1; attempt <= 40; attempt++) {
    assert.ok(backoffDelay(attempt, {}, () => 1) <= 5_000, `attempt ${attempt}`);
    for (let i = 0; i < 200; i++) assert.ok(backoffDelay(attempt) <= 5_000);
  }
  // At the cap the delays spread below it, not all on it.
  assert.equal(
    backoffDelay(10, {}, () => 0),
    3_500,
  );
  assert.equal(
    backoffDelay(10, {}, () => 1),
    5_000,
  );
  assert.equal(
    backoffDelay(10, {}, () => 0.5),
    4_250,
  );
  // Just below the cap, the spread above it is cut off.
  // 4.8 s plus 30 % would be 6.24 s: cut to 5 s.
  assert.equal(
    backoffDelay(5, { initialDelayMs: 300 }, () => 1),
    5_000,
  );
  assert.equal(
    backoffDelay(3, { maxDelayMs: 1_000, initialDelayMs: 300 }, () => 1),
    1_000,
  );
});

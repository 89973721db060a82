/**
 * The retry policy's arithmetic, and how runs are counted from a message's headers.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Backoff } from "../../../src/messaging/backoff.js";
import { DEFAULT_RETRY_SCHEDULE, RetryPolicy } from "../../../src/messaging/retry-policy.js";
import { ConfigurationError } from "../../../src/util/enoki-error.js";
import { attemptsSoFar } from "../../../src/wire/retry-wire.js";

test("the schedule: one delay per retry, the last repeating; jitter within ± the fraction, in steps", () => {
  const exact = new RetryPolicy({ schedule: [100, 300], jitter: 0 }, "t");
  assert.deepEqual(
    [1, 2, 3, 9].map((run) => exact.delayAfter(run)),
    [100, 300, 300, 300],
  );
  const jittered = new RetryPolicy({ schedule: [1000], jitter: 0.1 }, "t");
  assert.equal(
    jittered.delayAfter(1, () => 0),
    900,
  );
  assert.equal(
    jittered.delayAfter(1, () => 1),
    1100,
  );
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) seen.add(jittered.delayAfter(1));
  for (const ms of seen) assert.ok(ms >= 900 && ms <= 1100 && ms % 20 === 0, `${ms}`);
  assert.ok(seen.size <= 11, "a handful of delay queues, not one per message");
  const defaults = new RetryPolicy({ jitter: 0 }, "t");
  assert.deepEqual(
    DEFAULT_RETRY_SCHEDULE.map((_, i) => defaults.delayAfter(i + 1)),
    [1000, 2000, 4000, 8000, 16_000, 30_000],
  );
});

test("what retries: Backoff always; with a policy, every error or those retryOn names; without, nothing else", () => {
  class Transient extends Error {}
  const none = new RetryPolicy(undefined, "t");
  assert.equal(none.retries(new Error("x")), false);
  assert.equal(none.retries(new Backoff()), true);
  const all = new RetryPolicy({}, "t");
  assert.equal(all.retries(new Error("x")), true);
  const some = new RetryPolicy({ retryOn: [Transient] }, "t");
  assert.equal(some.retries(new Transient()), true);
  assert.equal(some.retries(new TypeError()), false);
  assert.equal(some.retries(new Backoff()), true);
  assert.equal(all.attempts(5), 5);
  assert.equal(new RetryPolicy({ attempts: 0 }, "t").attempts(5), 0);
});

test("a policy that makes no sense is a ConfigurationError naming where", () => {
  for (const options of [
    { attempts: -1 },
    { attempts: 1.5 },
    { schedule: [] },
    { schedule: [-1] },
    { jitter: 2 },
  ]) {
    assert.throws(
      () => new RetryPolicy(options, "svc.method"),
      (err: unknown) => {
        assert.ok(err instanceof ConfigurationError);
        assert.match((err as Error).message, /^svc\.method: retry\./);
        return true;
      },
    );
  }
});

test("runs so far: x-enoki-attempts, or nameko-amqp-retry's trips through the backoff exchange", () => {
  assert.equal(attemptsSoFar({}), 0);
  assert.equal(attemptsSoFar({ "x-enoki-attempts": 3 }), 3);
  const deaths = [
    { exchange: "backoff", queue: "backoff--1000ms", count: 2 },
    { exchange: "backoff", queue: "backoff--2000ms", count: 1 },
    { exchange: "elsewhere", queue: "q", count: 5 },
  ];
  assert.equal(attemptsSoFar({ "x-death": deaths }), 3);
  assert.equal(attemptsSoFar({ "x-death": deaths, "x-enoki-attempts": 4 }), 4);
  assert.equal(attemptsSoFar({ "x-enoki-attempts": "junk" }), 0);
});

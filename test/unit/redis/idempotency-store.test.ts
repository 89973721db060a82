/**
 * RedisIdempotencyStore sends its scripts by hash (EVALSHA) and falls back to the script itself
 * when Redis has not seen it (NOSCRIPT: a restarted Redis, SCRIPT FLUSH); other errors pass.
 * The store's behaviour against the real Redis: test/integration/redis/idempotency-store.test.ts.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Redis } from "ioredis";
import { RedisIdempotencyStore } from "../../../src/redis/index.js";

function fakeClient(evalshaError: Error | undefined) {
  const sent: string[] = [];
  const client = {
    async evalsha(sha: string, _keys: number, key: string) {
      sent.push(`evalsha ${sha.length} ${key}`);
      if (evalshaError) throw evalshaError;
      return ["started"];
    },
    async eval(script: string, _keys: number, key: string) {
      sent.push(`eval ${script.includes("redis.call") ? "script" : "?"} ${key}`);
      return ["started"];
    },
  };
  return { client: client as unknown as Redis, sent };
}

test("scripts go by hash; the script itself follows a NOSCRIPT", async () => {
  const plain = fakeClient(undefined);
  assert.equal((await new RedisIdempotencyStore(plain.client).begin("k", 1000)).state, "started");
  assert.deepEqual(plain.sent, ["evalsha 40 idempotency:k"]);

  const flushed = fakeClient(new Error("NOSCRIPT No matching script. Please use EVAL."));
  assert.equal((await new RedisIdempotencyStore(flushed.client).begin("k", 1000)).state, "started");
  assert.deepEqual(flushed.sent, ["evalsha 40 idempotency:k", "eval script idempotency:k"]);
});

test("other errors are the caller's", async () => {
  const down = fakeClient(new Error("Connection is closed."));
  await assert.rejects(new RedisIdempotencyStore(down.client).begin("k", 1000), /Connection is closed/);
  assert.equal(down.sent.length, 1);
});

/**
 * MemoryIdempotencyStore keeps the IdempotencyStore contract (Redis's store keeps it too:
 * test/integration/redis/idempotency-store.test.ts), and does not grow without bound.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { MemoryIdempotencyStore } from "../../../src/index.js";
import { idempotencyStoreContract } from "../../support/idempotency-store.contract.js";

const store = new MemoryIdempotencyStore();
idempotencyStoreContract(() => store);

test("expired entries are swept as the store is used", async () => {
  const own = new MemoryIdempotencyStore();
  for (let i = 0; i < 500; i++) await own.begin(`k${i}`, 20);
  assert.equal(own.size, 500);
  await sleep(50);
  for (let i = 0; i < 1_100; i++) await own.begin("live", 10_000);
  assert.equal(own.size, 1, "only the live lease is left");
  own.clear();
  assert.equal(own.size, 0);
});

/**
 * The IdempotencyStore contract: one suite, run against every store (in memory, in Redis), so
 * they cannot drift. Keys are unique per test, so that stores shared with other tests do not
 * matter.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { IdempotencyStore } from "../../src/index.js";

function newKey(): string {
  return `contract.test:${randomBytes(6).toString("hex")}`;
}

async function started(store: IdempotencyStore, key: string, leaseMs = 10_000): Promise<string> {
  const claim = await store.begin(key, leaseMs);
  assert.equal(claim.state, "started");
  return (claim as { token: string }).token;
}

/** Registers the contract suite for one store; `store()` gives the store under test. */
export function idempotencyStoreContract(store: () => IdempotencyStore): void {
  test("begin: the first takes the lease, the next finds it running", async () => {
    const key = newKey();
    const token = await started(store(), key);
    assert.match(token, /.{8,}/);
    assert.deepEqual(await store().begin(key, 10_000), { state: "running" });
  });

  test("complete: every later begin finds the result, never a lease", async () => {
    const key = newKey();
    const token = await started(store(), key);
    await store().complete(key, token, '{"id":"a"}', 10_000);
    assert.deepEqual(await store().begin(key, 10_000), { state: "done", result: '{"id":"a"}' });
    assert.deepEqual(await store().begin(key, 10_000), { state: "done", result: '{"id":"a"}' });
  });

  test("the first result recorded stays", async () => {
    const key = newKey();
    const token = await started(store(), key);
    await store().complete(key, token, "1", 10_000);
    await store().complete(key, "another run", "2", 10_000);
    assert.deepEqual(await store().begin(key, 10_000), { state: "done", result: "1" });
  });

  test("abandon frees the key for the next run; only the lease's own token can", async () => {
    const key = newKey();
    const token = await started(store(), key);
    await store().abandon(key, "not the token");
    assert.deepEqual(await store().begin(key, 10_000), { state: "running" });
    await store().abandon(key, token);
    const next = await started(store(), key);
    assert.notEqual(next, token);
  });

  test("abandon leaves a result alone", async () => {
    const key = newKey();
    const token = await started(store(), key);
    await store().complete(key, token, "kept", 10_000);
    await store().abandon(key, token);
    assert.deepEqual(await store().begin(key, 10_000), { state: "done", result: "kept" });
  });

  test("a lease runs out unless renewed; renew is the token's only", async () => {
    const key = newKey();
    const token = await started(store(), key, 300);
    await sleep(150);
    assert.equal(await store().renew(key, "not the token", 300), false);
    assert.equal(await store().renew(key, token, 600), true);
    await sleep(300);
    assert.deepEqual(await store().begin(key, 10_000), { state: "running" }, "renewed: still held");
    await sleep(500);
    const next = await started(store(), key);
    assert.equal(await store().renew(key, token, 300), false, "an expired lease is not renewed");
    assert.notEqual(next, token);
  });

  test("a result expires after its ttl", async () => {
    const key = newKey();
    await store().complete(key, await started(store(), key), "r", 200);
    assert.equal((await store().begin(key, 10_000)).state, "done");
    await sleep(400);
    assert.equal((await store().begin(key, 10_000)).state, "started");
  });

  test("concurrent begins on one key: exactly one starts", async () => {
    const key = newKey();
    const claims = await Promise.all(Array.from({ length: 20 }, () => store().begin(key, 10_000)));
    assert.equal(claims.filter((c) => c.state === "started").length, 1);
    assert.equal(claims.filter((c) => c.state === "running").length, 19);
  });
}

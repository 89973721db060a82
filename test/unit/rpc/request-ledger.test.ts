/**
 * The request ledger: a redelivered request is answered once, by the run that has it or had it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RequestLedger } from "../../../src/rpc/request-ledger.js";

test("unknown, running, answered, and running again after a run that did not answer", async () => {
  const ledger = new RequestLedger();
  const key = RequestLedger.key("reply-q", "c1") as string;
  assert.equal(ledger.lookup(key), undefined, "never seen: run it");
  ledger.begin(key);
  const waiting = ledger.lookup(key);
  assert.ok(waiting instanceof Promise, "running: wait for that run");
  ledger.end(key, true);
  assert.equal(await waiting, true);
  assert.equal(ledger.lookup(key), "answered");

  const other = RequestLedger.key("reply-q", "c2") as string;
  ledger.begin(other);
  const copy = ledger.lookup(other);
  ledger.end(other, false);
  assert.equal(await copy, false, "the first run did not answer: the copy runs");
  assert.equal(ledger.lookup(other), undefined);
});

test("a request without a correlation id has no key; the answered set is bounded, oldest out first", () => {
  assert.equal(RequestLedger.key("q", undefined), undefined);
  assert.equal(RequestLedger.key("q", ""), undefined);
  const ledger = new RequestLedger(2);
  for (const id of ["a", "b", "c"]) {
    ledger.begin(id);
    ledger.end(id, true);
  }
  assert.equal(ledger.lookup("a"), undefined);
  assert.equal(ledger.lookup("b"), "answered");
  assert.equal(ledger.lookup("c"), "answered");
});

/**
 * The transport's errors are EnokiErrors with a stable name and code, so that callers (and the
 * cluster tier's count of "clear" failures) can tell them from a client library's errors.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionLost, MessageRefused, UndeliverableMessage } from "../../../src/index.js";
import { EnokiError } from "../../../src/util/enoki-error.js";

test("a refused message (basic.nack) is a MessageRefused, an EnokiError naming the nack", () => {
  const cause = new Error("message nacked");
  const err = new MessageRefused(undefined, { cause });
  assert.ok(err instanceof EnokiError);
  assert.ok(!(err instanceof ConnectionLost), "not worth publishing again at once, unlike a lost connection");
  assert.equal(err.name, "MessageRefused");
  assert.equal(err.code, "ENOKI_MESSAGE_REFUSED");
  assert.match(err.message, /basic\.nack/);
  assert.equal(err.cause, cause);
});

test("the other transport errors keep their names and codes", () => {
  assert.equal(new ConnectionLost().code, "ENOKI_CONNECTION_LOST");
  const undeliverable = new UndeliverableMessage("nameko-rpc", "svc.m");
  assert.equal(undeliverable.name, "UndeliverableMessage");
  assert.equal(undeliverable.code, "ENOKI_UNDELIVERABLE");
});

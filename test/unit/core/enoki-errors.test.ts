/**
 * Enoki's own errors share a base, `EnokiError`, with a stable `code`; errors whose names the
 * wire fixes (Nameko's) do not, and keep their shape.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import * as enoki from "../../../src/index.js";
import * as testing from "../../../src/testing/index.js";

const ENOKI_ERRORS = [
  new enoki.ConfigurationError("x"),
  new enoki.ConnectionLost(),
  new enoki.UndeliverableMessage("ex", "key"),
  new enoki.RpcTimeout("svc.method", 1000),
  new enoki.ReplyQueueLost("q", 1),
  new enoki.ContainerBeingKilled(),
  new enoki.ExtensionTimeoutError("ext", "stop", 1000),
  new enoki.DependencyNotInjected("field"),
  new enoki.IdempotentRunInProgress("svc.m:k", 1000),
  new testing.ExtensionNotFound("x"),
  new testing.EntrypointWaiterTimeout("x"),
];

test("every Enoki error is an EnokiError with its own stable code, and keeps its class name", () => {
  const codes = new Set<string>();
  for (const error of ENOKI_ERRORS) {
    assert.ok(error instanceof enoki.EnokiError, error.name);
    assert.match(error.code, /^ENOKI_[A-Z_]+$/, error.name);
    assert.equal(error.name, error.constructor.name);
    codes.add(error.code);
  }
  assert.equal(codes.size, ENOKI_ERRORS.length, "codes are distinct");
  assert.equal(new enoki.RpcTimeout("a.b", 5).code, "ENOKI_RPC_TIMEOUT");
  assert.equal(new enoki.ConfigurationError("x").code, "ENOKI_CONFIGURATION");
});

test("errors with Nameko's names stay plain: their shape is the wire's", () => {
  for (const error of [new enoki.MethodNotFound("m"), new enoki.RemoteError("ValueError", "x")]) {
    assert.ok(!(error instanceof enoki.EnokiError), error.name);
  }
});

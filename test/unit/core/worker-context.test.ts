import assert from "node:assert/strict";
import { test } from "node:test";
import { linkWorkerContext, WorkerContext, workerContextOf } from "../../../src/core/worker-context.js";
import { contextFromHeaders, contextHeaders, withDeadline } from "../../../src/wire/context-headers.js";

const make = (data: Record<string, unknown>, tracked = 10) =>
  new WorkerContext({
    serviceName: "svc",
    method: "m",
    data,
    parentCallsTracked: tracked,
    signal: new AbortController().signal,
  });

test("the call id stack grows by the worker's own id and keeps parent_calls_tracked parents", () => {
  const parents = Array.from({ length: 15 }, (_, i) => `p.${i}`);
  const ctx = make({ call_id_stack: parents });
  assert.equal(ctx.callIdStack.length, 11);
  assert.deepEqual(ctx.callIdStack.slice(0, 10), parents.slice(5));
  assert.equal(ctx.callIdStack[10], ctx.callId);
  assert.match(ctx.callId, /^svc\.m\.[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(ctx.originCallId, "p.5");
  assert.equal(ctx.immediateParentCallId, "p.14");
  assert.equal(make({}).originCallId, undefined);
  assert.deepEqual(make({ call_id_stack: ["a"] }, 0).callIdStack.length, 1);
});

test("a stack sent as a string is one call id, not characters", () => {
  assert.deepEqual(make({ call_id_stack: "abc" }).callIdStack.slice(0, 1), ["abc"]);
});

test("headers in: prefix stripped, unprefixed kept; out: prefixed, nulls dropped, stack last", () => {
  const data = contextFromHeaders({
    "nameko.language": "de",
    "x-custom": "xv",
    "nameko.call_id_stack": ["a"],
  });
  assert.deepEqual(data, { language: "de", "x-custom": "xv", call_id_stack: ["a"] });
  const ctx = make({ ...data, gone: null });
  assert.deepEqual(Object.keys(ctx.headers), ["nameko.language", "nameko.x-custom", "nameko.call_id_stack"]);
  assert.deepEqual(ctx.headers["nameko.call_id_stack"], ["a", ctx.callId]);
  assert.deepEqual(contextHeaders({ __proto__: "x" } as Record<string, unknown>, []), {});
  const hostile = contextFromHeaders(JSON.parse('{"nameko.__proto__": {"polluted": 1}}'));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.ok(Object.hasOwn(hostile, "__proto__"));
});

test("an rpc worker reads its caller's deadline: out of the context data, with the time left", () => {
  const deadline = Date.now() + 10_000;
  const ctx = new WorkerContext({
    serviceName: "svc",
    method: "m",
    entrypointKind: "rpc",
    data: { language: "de", deadline: BigInt(deadline) },
    parentCallsTracked: 10,
    signal: new AbortController().signal,
  });
  assert.equal(ctx.deadline, deadline);
  assert.ok(ctx.remainingMs > 9_000 && ctx.remainingMs <= 10_000, `${ctx.remainingMs}`);
  // Not forwarded as context data: each call sends its own (shorter or equal) deadline.
  assert.deepEqual(ctx.data, { language: "de" });
  assert.equal(ctx.headers["nameko.deadline"], undefined);
  const past = new WorkerContext({
    serviceName: "svc",
    method: "m",
    entrypointKind: "rpc",
    data: { deadline: Date.now() - 5 },
    parentCallsTracked: 10,
    signal: new AbortController().signal,
  });
  assert.equal(past.remainingMs, 0);
});

test("no deadline: none sent, not an rpc worker, or not a positive integer", () => {
  assert.equal(make({}).deadline, undefined);
  assert.equal(make({}).remainingMs, Number.POSITIVE_INFINITY);
  // An event from a Python worker carries its context data, the deadline too: it binds nobody.
  const event = new WorkerContext({
    serviceName: "svc",
    method: "m",
    entrypointKind: "event_handler",
    data: { deadline: Date.now() + 1000 },
    parentCallsTracked: 10,
    signal: new AbortController().signal,
  });
  assert.equal(event.deadline, undefined);
  assert.deepEqual(event.data, {});
  for (const bad of ["123", -5, 1.5, null, {}]) {
    const ctx = new WorkerContext({
      serviceName: "svc",
      method: "m",
      entrypointKind: "rpc",
      data: { deadline: bad },
      parentCallsTracked: 10,
      signal: new AbortController().signal,
    });
    assert.equal(ctx.deadline, undefined, String(bad));
  }
});

test("withDeadline puts the deadline before the call id stack, in a new object", () => {
  const headers = { "nameko.language": "de", "nameko.call_id_stack": ["a"] };
  const out = withDeadline(headers, 123);
  assert.deepEqual(Object.keys(out), ["nameko.language", "nameko.deadline", "nameko.call_id_stack"]);
  assert.equal(out["nameko.deadline"], 123);
  assert.deepEqual(Object.keys(headers), ["nameko.language", "nameko.call_id_stack"]);
  assert.deepEqual(withDeadline({ "nameko.deadline": 1, x: 2 }, 5), { x: 2, "nameko.deadline": 5 });
});

test("the message key is what the entrypoint gave, else undefined; a worker instance finds its context", () => {
  const keyed = new WorkerContext({
    serviceName: "svc",
    method: "m",
    data: {},
    parentCallsTracked: 10,
    signal: new AbortController().signal,
    messageKey: "reply-to:correlation-id",
  });
  assert.equal(keyed.messageKey, "reply-to:correlation-id");
  assert.equal(make({}).messageKey, undefined);
  const worker = {};
  assert.equal(workerContextOf(worker), undefined);
  linkWorkerContext(worker, keyed);
  assert.equal(workerContextOf(worker), keyed);
});

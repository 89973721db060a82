import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkerContext } from "../../../src/core/worker-context.js";
import { contextFromHeaders, contextHeaders } from "../../../src/wire/context-headers.js";

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

import assert from "node:assert/strict";
import { test } from "node:test";
import { wireHeaders } from "../../../src/transport/memory/wire-headers.js";

test("is a deep copy that shares nothing with its input", () => {
  const input = { nested: { list: [1, { x: "y" }] }, buf: Buffer.from("ab") };
  const out = wireHeaders(input);
  assert.deepEqual(out, input);
  assert.notEqual(out.nested, input.nested);
  (out.buf as Buffer)[0] = 0;
  assert.equal(input.buf.toString(), "ab");
});

test("is idempotent (each delivery copies the stored form again)", () => {
  const once = wireHeaders({ at: new Date(1_234_567), big: 2n ** 62n, n: 3, s: "x", l: [undefined] });
  assert.deepEqual(wireHeaders(once), once);
  assert.deepEqual(once, { at: new Date(1_234_000), big: 2n ** 62n, n: 3, s: "x", l: [null] });
});

test("a __proto__ header stays a plain key", () => {
  const input = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
  const out = wireHeaders(input);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ["__proto__"]);
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
});

test("strings go through UTF-8", () => {
  assert.deepEqual(wireHeaders({ s: "a\uD800b" }), { s: "a\uFFFDb" });
});

test("refuses what AMQP cannot carry, naming the header", () => {
  assert.throws(() => wireHeaders({ ratio: Number.NaN }), /Header "ratio": NaN cannot be sent/);
  assert.throws(() => wireHeaders({ deep: { inf: -Infinity } }), /Header "deep": Header "inf"/);
  assert.throws(() => wireHeaders({ huge: 2n ** 64n }), RangeError);
});

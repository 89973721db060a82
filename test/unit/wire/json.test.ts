import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { BodyDecodeError, decodeJson, encodeJson } from "../../../src/wire/json.js";
import { UnserializableValueError } from "../../../src/wire/remote-errors.js";

const decode = (text: string) => decodeJson(Buffer.from(text));

describe("encodeJson", () => {
  test("plain values, dates as ISO strings, undefined as null", () => {
    assert.equal(encodeJson({ a: [1, "é"], b: null }).toString(), '{"a":[1,"é"],"b":null}');
    assert.equal(encodeJson(new Date(Date.UTC(2024, 0, 2))).toString(), '"2024-01-02T00:00:00.000Z"');
    assert.equal(encodeJson(undefined).toString(), "null");
  });

  test("never drops data silently: Map, Set, BigInt, functions, buffers, cycles, URLSearchParams, errors... are errors", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [
      new Map(),
      { s: new Set([1]) },
      1n,
      () => 1,
      { f() {} },
      Buffer.from("x"),
      cyclic,
      Symbol("s"),
      { q: new URLSearchParams("a=1") },
      [new Error("lost")],
      /re/,
      Promise.resolve(1),
      new WeakMap(),
      new ArrayBuffer(2),
    ]) {
      assert.throws(() => encodeJson(value), UnserializableValueError);
    }
  });

  test("class instances, dates, URLs and null-prototype objects are written as JSON writes them", () => {
    class Trip {
      constructor(readonly from: string) {}
    }
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const out = encodeJson([new Trip("LHR"), new Date(0), new URL("http://x/y"), bare]).toString();
    assert.equal(out, '[{"from":"LHR"},"1970-01-01T00:00:00.000Z","http://x/y",{"a":1}]');
  });
});

describe("decodeJson", () => {
  test("strict UTF-8", () => {
    assert.throws(() => decodeJson(Buffer.from([0x7b, 0xff, 0x7d])), BodyDecodeError);
  });

  test("invalid JSON is a BodyDecodeError", () => {
    assert.throws(() => decode("{nope"), BodyDecodeError);
    assert.throws(() => decode(""), BodyDecodeError);
  });

  test("Python's NaN and Infinity become null, but not inside strings", () => {
    assert.deepEqual(decode('{"a": NaN, "b": -Infinity, "c": "NaN Infinity"}'), {
      a: null,
      b: null,
      c: "NaN Infinity",
    });
  });

  test("kombu >= 5.3 type markers become kombu 5.2's plain forms", () => {
    assert.deepEqual(
      decode(
        '{"d": {"__type__": "datetime", "__value__": "2024-01-02T03:04:05"}, "n": {"__type__": "decimal", "__value__": "1.50"}, ' +
          '"u": {"__type__": "uuid", "__value__": {"hex": "12345678123456781234567812345678", "version": 4}}, ' +
          '"k": {"__type__": "datetime", "__value__": "x", "extra": 1}}',
      ),
      {
        d: "2024-01-02T03:04:05",
        n: "1.50",
        u: "12345678-1234-5678-1234-567812345678",
        k: { __type__: "datetime", __value__: "x", extra: 1 },
      },
    );
    assert.throws(() => decode('{"x": {"__type__": "pickle", "__value__": "..."}}'), BodyDecodeError);
  });

  test("__proto__ keys stay plain keys", () => {
    const value = decode(
      '{"__proto__": {"polluted": true}, "n": {"__type__": "decimal", "__value__": "1"}}',
    ) as object;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.ok(Object.hasOwn(value, "__proto__"));

    // A "__proto__" key holding a kombu type marker: its rebuilt value is written back under that
    // key, the path that must define it rather than assign it.
    const own = (v: unknown) => Object.getOwnPropertyDescriptor(v, "__proto__")?.value;
    const marked = decode('{"__proto__": {"__type__": "decimal", "__value__": "1.50"}, "a": 1}') as object;
    assert.equal(Object.getPrototypeOf(marked), Object.prototype);
    assert.equal(own(marked), "1.50");
    assert.deepEqual(Object.keys(marked), ["__proto__", "a"]);
    const nested = decode(
      '[{"x": {"__proto__": {"__type__": "uuid", "__value__": "12345678123456781234567812345678"}}}]',
    ) as Array<{ x: object }>;
    assert.equal(Object.getPrototypeOf(nested[0]!.x), Object.prototype);
    assert.equal(own(nested[0]!.x), "12345678-1234-5678-1234-567812345678");
    assert.equal(({} as Record<string, unknown>).__type__, undefined);
  });

  test("property: any JSON value round-trips", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        assert.deepEqual(decodeJson(encodeJson(value)), JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  test("property: arbitrary bytes either decode or raise BodyDecodeError, nothing else", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeJson(Buffer.from(bytes));
        } catch (err) {
          assert.ok(err instanceof BodyDecodeError, String(err));
        }
      }),
    );
  });
});

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { decodeFieldTable, TABLE_ERROR } from "../../../src/amqp/field-table.js";
import { encodeHeaders } from "../../../src/transport/typed-headers.js";

const require = createRequire(import.meta.url);
const codec = require(join(dirname(require.resolve("amqplib")), "lib", "codec.js")) as {
  encodeTable(buffer: Buffer, table: unknown, offset: number): number;
};

/** Encodes with amqplib's writer, as it goes on the wire (minus the 4-byte length prefix). */
function wire(headers: Record<string, unknown>): Buffer {
  const buffer = Buffer.alloc(65536);
  const length = codec.encodeTable(buffer, encodeHeaders(headers), 0);
  return buffer.subarray(4, length);
}

/** Builds a table by hand: [key, tag, payload bytes]. */
function table(...entries: Array<[string, string, Buffer]>): Buffer {
  return Buffer.concat(
    entries.map(([k, tag, payload]) =>
      Buffer.concat([Buffer.from([k.length]), Buffer.from(k), Buffer.from(tag), payload]),
    ),
  );
}
const int64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

describe("encodeHeaders", () => {
  test("types every value explicitly, the way py-amqp reads it", () => {
    assert.deepEqual(
      encodeHeaders({ s: "x", i: -1, big: 3_000_000_000, f: 0.1, b: true, n: null, u: undefined }),
      {
        s: "x",
        i: { "!": "int", value: -1 },
        big: { "!": "long", value: 3_000_000_000 },
        f: { "!": "double", value: 0.1 },
        b: true,
        n: null,
      },
    );
    assert.deepEqual(encodeHeaders({ a: [1, "x"], t: { k: 2 } }), {
      a: [{ "!": "int", value: 1 }, "x"],
      t: { k: { "!": "int", value: 2 } },
    });
  });

  test('a nested table with a "!" key is refused (amqplib would misread it as a typed value)', () => {
    assert.throws(() => encodeHeaders({ t: { "!": false } }), /cannot have a "!" key/);
  });

  test("round trip through the wire format", () => {
    const headers = {
      s: "héllo",
      i: 1000,
      neg: -5,
      big: 2 ** 40,
      f: 1.5,
      b: false,
      a: ["x", 7, { y: [true] }],
      t: { n: null },
    };
    assert.deepEqual(decodeFieldTable(wire(headers)), headers);
  });

  test("property: JSON-like headers survive the wire", () => {
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const key = (max: number) => fc.string({ minLength: 1, maxLength: max }).filter((k) => k !== "!");
    const headers = fc.dictionary(key(20), fc.oneof(value, fc.array(value), fc.dictionary(key(5), value)));
    fc.assert(
      fc.property(headers, (h) => {
        const decoded = decodeFieldTable(wire(h));
        assert.deepEqual(decoded, JSON.parse(JSON.stringify(h)));
      }),
    );
  });
});

describe("decodeFieldTable", () => {
  test("reads py-amqp's 64-bit 'L' integers (amqplib cannot)", () => {
    const decoded = decodeFieldTable(
      table(
        ["big", "L", int64(2n ** 40n)],
        ["huge", "L", int64(2n ** 62n)],
        ["neg", "L", int64(-(2n ** 40n))],
      ),
    );
    assert.deepEqual(decoded, { big: 2 ** 40, huge: 2n ** 62n, neg: -(2 ** 40) });
  });

  test("an unknown tag stops that table and flags it, instead of killing the connection", () => {
    const decoded = decodeFieldTable(table(["ok", "t", Buffer.from([1])], ["bad", "?", Buffer.from([0, 0])]));
    assert.equal(decoded.ok, true);
    assert.match(String((decoded as Record<symbol, unknown>)[TABLE_ERROR]), /unknown field type tag "\?"/);
  });

  test("a truncated value is flagged", () => {
    const truncated = Buffer.concat([
      Buffer.from([1]),
      Buffer.from("s"),
      Buffer.from("S"),
      Buffer.from([0, 0, 0, 50]),
      Buffer.from("short"),
    ]);
    assert.ok(TABLE_ERROR in decodeFieldTable(truncated));
  });

  test("a __proto__ key is an own key and pollutes nothing", () => {
    const nested = Buffer.from(table(["polluted", "t", Buffer.from([1])]));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(nested.length);
    const decoded = decodeFieldTable(table(["__proto__", "F", Buffer.concat([len, nested])]));
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.ok(Object.hasOwn(decoded, "__proto__"));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("property: random bytes never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodeFieldTable(Buffer.from(bytes));
      }),
    );
  });
});

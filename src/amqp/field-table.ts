/**
 * AMQP field tables (message headers), written and read so that Python's py-amqp and RabbitMQ
 * agree with us on every value.
 *
 * Writing: amqplib guesses integer types by size (`-1` as a byte, `1000` as a short), and py-amqp
 * reads those wrongly or not at all (a short kills the Python consumer's connection). So every
 * value is typed explicitly here: int32 `I` when it fits, `l` (int64) for larger positive
 * integers, `d` for other numbers.
 *
 * Reading: py-amqp writes integers beyond int32 as `L`, a tag amqplib does not know; its decoder
 * throws and the connection dies, and the unacknowledged message comes back forever. This decoder
 * knows every tag RabbitMQ and py-amqp use, never lets a `__proto__` key touch a prototype, and on
 * an unknown tag stops reading that one table (its length is known) and flags it, so the message
 * can be rejected instead of killing the connection.
 */

import { setOwn } from "../util/set-own.js";

/** Set on a decoded table whose remainder could not be read. */
export const TABLE_ERROR = Symbol.for("enoki.fieldTableError");

type Typed = { "!": string; value: unknown };

/** Encodes header values with explicit AMQP types (for amqplib's `{'!': type}` notation). */
export function encodeHeaders(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(headers)) {
    let value: unknown;
    try {
      value = encodeValue(headers[key]);
    } catch (err) {
      (err as Error).message = `Header ${JSON.stringify(key)}: ${(err as Error).message}`;
      throw err;
    }
    if (value !== undefined) setOwn(out, key, value);
  }
  return out;
}

function encodeValue(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return encodeNumber(value);
    case "bigint":
      if (value < INT64_MIN || value > INT64_MAX)
        throw new RangeError(`${value} does not fit a 64-bit integer, the largest an AMQP header holds`);
      return { "!": "long", value } satisfies Typed;
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    default:
      break;
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((v) => encodeValue(v) ?? null);
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (value instanceof Date)
    return { "!": "timestamp", value: Math.floor(value.getTime() / 1000) } satisfies Typed;
  // amqplib reads any table with a "!" key as its typed-value notation.
  if (Object.hasOwn(value as object, "!")) throw new TypeError('A header table cannot have a "!" key');
  return encodeHeaders(value as Record<string, unknown>);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function encodeNumber(n: number): Typed {
  // RabbitMQ closes the whole connection on a NaN or infinite double: refuse it here instead.
  if (!Number.isFinite(n)) throw new TypeError(`${n} cannot be sent: AMQP headers have no NaN or Infinity`);
  if (Number.isInteger(n)) {
    if (n >= -2147483648 && n <= 2147483647) return { "!": "int", value: n };
    // py-amqp reads `l` as unsigned: only positive values survive as integers.
    if (n > 0 && Number.isSafeInteger(n)) return { "!": "long", value: n };
  }
  return { "!": "double", value: n };
}

/** Decodes a field table (the body of an `F` value, or a properties' headers). */
export function decodeFieldTable(slice: Buffer): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  let offset = 0;
  try {
    while (offset < slice.length) {
      const keyLength = slice.readUInt8(offset);
      offset += 1;
      const key = slice.toString("utf8", offset, offset + keyLength);
      offset += keyLength;
      const [value, next] = decodeValue(slice, offset);
      offset = next;
      setOwn(table, key, value);
    }
  } catch (err) {
    Object.defineProperty(table, TABLE_ERROR, { value: (err as Error).message, enumerable: false });
  }
  return table;
}

function decodeValue(buf: Buffer, offset: number): [unknown, number] {
  const tag = String.fromCharCode(buf.readUInt8(offset));
  const at = offset + 1;
  switch (tag) {
    case "S":
    case "x": {
      const length = buf.readUInt32BE(at);
      const start = at + 4;
      if (start + length > buf.length) throw new RangeError("field value runs past the table");
      const bytes = buf.subarray(start, start + length);
      return [tag === "S" ? bytes.toString("utf8") : Buffer.from(bytes), start + length];
    }
    case "F": {
      const length = buf.readUInt32BE(at);
      const nested = decodeFieldTable(buf.subarray(at + 4, at + 4 + length));
      if (TABLE_ERROR in nested) throw new TypeError(String(nested[TABLE_ERROR as never]));
      return [nested, at + 4 + length];
    }
    case "A":
      return decodeArray(buf, at);
    case "t":
      return [buf.readUInt8(at) !== 0, at + 1];
    case "b":
      return [buf.readInt8(at), at + 1];
    case "B":
      return [buf.readUInt8(at), at + 1];
    case "s":
    case "U":
      return [buf.readInt16BE(at), at + 2];
    case "u":
      return [buf.readUInt16BE(at), at + 2];
    case "I":
      return [buf.readInt32BE(at), at + 4];
    case "i":
      return [buf.readUInt32BE(at), at + 4];
    case "l":
    case "L":
      return [int64(buf.readBigInt64BE(at)), at + 8];
    case "f":
      return [buf.readFloatBE(at), at + 4];
    case "d":
      return [buf.readDoubleBE(at), at + 8];
    case "D": {
      const places = buf.readUInt8(at);
      const digits = buf.readInt32BE(at + 1);
      return [digits / 10 ** places, at + 5];
    }
    case "T":
      return [new Date(Number(buf.readBigUInt64BE(at)) * 1000), at + 8];
    case "V":
      return [null, at];
    default:
      throw new TypeError(`unknown field type tag ${JSON.stringify(tag)}`);
  }
}

function decodeArray(buf: Buffer, at: number): [unknown[], number] {
  const length = buf.readUInt32BE(at);
  const end = at + 4 + length;
  if (end > buf.length) throw new RangeError("array runs past the table");
  const items: unknown[] = [];
  let offset = at + 4;
  while (offset < end) {
    const [value, next] = decodeValue(buf, offset);
    items.push(value);
    offset = next;
  }
  return [items, end];
}

// Exact when it fits a JS number, otherwise a BigInt (which is written back as `l`).
function int64(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

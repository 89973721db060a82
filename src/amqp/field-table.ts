/**
 * AMQP field tables (message headers), written and read so that Python's py-amqp and RabbitMQ
 * agree with us on every value.
 *
 * Writing is in `transport/typed-headers.ts` (the in-memory transport simulates it too).
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

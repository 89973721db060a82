/**
 * Message headers typed for the wire, so that Python's py-amqp and RabbitMQ agree with us on every
 * value. Both transports use it: the AMQP one to publish, the in-memory one to give services the
 * types a real broker would.
 *
 * amqplib guesses integer types by size (`-1` as a byte, `1000` as a short), and py-amqp reads
 * those wrongly or not at all (a short kills the Python consumer's connection). So every value is
 * typed explicitly here: int32 `I` when it fits, `l` (int64) for larger positive integers, `d` for
 * other numbers.
 */
import { setOwn } from "../util/set-own.js";

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

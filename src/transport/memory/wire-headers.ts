/**
 * Message headers as a RabbitMQ consumer would receive them: the in-memory transport runs every
 * header table through the same encoder the AMQP transport uses (`amqp/field-table.ts`) and then
 * reads the result back the way the AMQP decoder would, so a service tested in memory sees the
 * same types it will see on a real broker.
 *
 * What the round trip does (same on both transports):
 * - `undefined`, functions and symbols are dropped from tables; inside arrays they become `null`.
 * - Numbers stay numbers; a bigint comes back as a number when it is a safe integer.
 * - A `Date` comes back as a `Date` truncated to whole seconds (AMQP timestamps).
 * - A `Uint8Array` comes back as a `Buffer`.
 * - Any other object becomes a plain object of its own enumerable keys (a `Map` becomes `{}`,
 *   a class instance loses its prototype).
 * - Strings go through UTF-8 (a lone surrogate becomes U+FFFD).
 * - `NaN`, infinities and bigints beyond 64 bits are refused (the publish rejects).
 *
 * Not simulated: the 64 KiB limit on a header table, and the length limit of header names.
 */
import { encodeHeaders } from "../typed-headers.js";

interface Typed {
  "!": string;
  value: unknown;
}

/**
 * A deep copy of `headers` with the types an AMQP consumer would see. Throws (`TypeError` or
 * `RangeError`, naming the header) for values AMQP cannot carry.
 * @example
 * wireHeaders({ at: new Date(1500), gone: undefined }); // { at: new Date(1000) }
 */
export function wireHeaders(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return decodeTable(encodeHeaders(headers));
}

function decodeTable(table: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(table)) {
    // Defined, not assigned: a "__proto__" header must stay a plain key.
    Object.defineProperty(out, key, {
      value: decodeValue(table[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function decodeValue(value: unknown): unknown {
  if (typeof value === "string") return Buffer.from(value, "utf8").toString("utf8");
  if (typeof value !== "object" || value === null) return value;
  if (Buffer.isBuffer(value)) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(decodeValue);
  if (Object.hasOwn(value, "!")) return decodeTyped(value as Typed);
  return decodeTable(value as Record<string, unknown>);
}

function decodeTyped({ "!": type, value }: Typed): unknown {
  switch (type) {
    case "timestamp":
      return new Date(Number(value) * 1000);
    case "long":
      return typeof value === "bigint" && isSafe(value) ? Number(value) : value;
    default:
      return value;
  }
}

function isSafe(value: bigint): boolean {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
}

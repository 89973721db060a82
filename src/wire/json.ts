/**
 * The JSON body codec, compatible with kombu's `json` serializer in both directions.
 */
import { EnokiError } from "../util/enoki-error.js";
import { describeValue } from "./python-text.js";
import { UnserializableValueError } from "./remote-errors.js";

/** A body codec selected by content type (kombu calls these serializers). */
export interface Serializer {
  /** The kombu name used in config (`serializer: json`). */
  readonly name: string;
  readonly contentType: string;
  readonly contentEncoding: string;
  /** Encodes a value; throws {@link UnserializableValueError} for values JSON cannot carry. */
  encode(value: unknown): Buffer;
  /** Decodes a body; throws {@link BodyDecodeError} for anything that is not valid. */
  decode(body: Buffer): unknown;
}

/** A message body could not be decoded. */
export class BodyDecodeError extends EnokiError {
  readonly code = "ENOKI_BODY_DECODE";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BodyDecodeError";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** kombu's `json` serializer: `application/json`, UTF-8. */
export const jsonSerializer: Serializer = {
  name: "json",
  contentType: "application/json",
  contentEncoding: "utf-8",
  encode: encodeJson,
  decode: decodeJson,
};

/**
 * Encodes a value as JSON. Unlike `JSON.stringify`, never silently drops data: a Map, Set,
 * function, symbol, BigInt, binary buffer or cycle anywhere in the value is an error, as `bytes`
 * or `set` are for kombu. A top-level `undefined` (a method that returns nothing) is `null`.
 */
export function encodeJson(value: unknown): Buffer {
  if (value === undefined) return Buffer.from("null");
  let text: string | undefined;
  try {
    assertJsonSafe(value);
    text = JSON.stringify(value);
  } catch (err) {
    // A cycle makes JSON.stringify throw a TypeError (or the walk overflow the stack): kept as the
    // cause, since the wire's repr of the value cannot say why.
    if (err instanceof UnserializableValueError) throw err;
    const wrapped = new UnserializableValueError(value);
    wrapped.cause = err instanceof RangeError ? (cycleError(value) ?? err) : err;
    throw wrapped;
  }
  if (text === undefined) throw new UnserializableValueError(value);
  return Buffer.from(text);
}

/** JSON.stringify's own account of a cycle ("... property 'self' closes the circle"), if any. */
function cycleError(value: unknown): Error | undefined {
  try {
    JSON.stringify(value);
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

/**
 * Built-ins whose data JSON.stringify would drop without a word (a Map, a URLSearchParams or an
 * Error all become `{}`; a typed array an object of indices). Asked only of objects that are not
 * plain, so the common case costs one prototype lookup.
 */
function writesAsEmpty(value: object): boolean {
  return (
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof Promise ||
    value instanceof RegExp ||
    value instanceof Error ||
    value instanceof URLSearchParams ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  );
}

// A walk in JavaScript, then a plain JSON.stringify: about twice as fast as a replacer function,
// which the engine calls across the native boundary for every value.
function assertJsonSafe(value: unknown): void {
  switch (typeof value) {
    case "function":
    case "symbol":
    case "bigint":
      throw new UnserializableValueError(value);
    case "object":
      if (value === null) return;
      if (Array.isArray(value)) {
        for (const item of value) assertJsonSafe(item);
        return;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && writesAsEmpty(value)) {
        throw new UnserializableValueError(value);
      }
      // What toJSON returns (a Date's string) is what gets written.
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return;
      for (const key in value) {
        if (Object.hasOwn(value, key)) assertJsonSafe((value as Record<string, unknown>)[key]);
      }
      return;
    default:
      return;
  }
}

/**
 * Decodes a JSON body: strict UTF-8, then JSON. Python's encoder may write `NaN` and `Infinity`,
 * which `JSON.parse` rejects; those become `null`. kombu ≥ 5.3 wraps dates, decimals, uuids and
 * bytes as `{"__type__", "__value__"}`; those become the plain forms kombu ≤ 5.2 sends (strings).
 */
export function decodeJson(body: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch (err) {
    throw new BodyDecodeError("Body is not valid UTF-8", { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const lenient = replacePythonConstants(text);
    if (lenient === text)
      throw new BodyDecodeError(`Invalid JSON: ${(err as Error).message}`, { cause: err });
    try {
      value = JSON.parse(lenient);
    } catch {
      throw new BodyDecodeError(`Invalid JSON: ${(err as Error).message}`, { cause: err });
    }
  }
  return text.includes('"__type__"') ? unwrapKombuMarkers(value) : value;
}

/** Replaces the bare tokens NaN, Infinity and -Infinity outside strings by null. */
function replacePythonConstants(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : "null"));
}

function unwrapKombuMarkers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapKombuMarkers);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 2 && "__type__" in record && "__value__" in record) {
    return kombuMarkerValue(record.__type__, record.__value__);
  }
  for (const key of keys) {
    const inner = record[key];
    const unwrapped = unwrapKombuMarkers(inner);
    // defineProperty, not assignment: a "__proto__" key from JSON.parse must stay a plain key.
    if (unwrapped !== inner) {
      Object.defineProperty(record, key, {
        value: unwrapped,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return record;
}

function kombuMarkerValue(type: unknown, value: unknown): unknown {
  switch (type) {
    case "datetime":
    case "date":
    case "time":
    case "decimal":
      return String(value);
    case "uuid": {
      const hex = typeof value === "object" && value !== null ? (value as { hex?: unknown }).hex : value;
      return formatUuid(String(hex));
    }
    case "bytes":
      return String(value);
    case "base64":
      return Buffer.from(String(value), "base64").toString("utf8");
    default:
      throw new BodyDecodeError(`Unknown kombu type marker \`${describeValue(type)}\``);
  }
}

function formatUuid(hex: string): string {
  const h = hex.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(h)) return hex;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const serializers = new Map<string, Serializer>([["json", jsonSerializer]]);

/** The config names of the serializers Enoki has (`json`). */
export function serializerNames(): string[] {
  return [...serializers.keys()];
}

/** Looks up a serializer by its config name (`json`). */
export function serializerByName(name: string): Serializer | undefined {
  return serializers.get(name);
}

/** Looks up a serializer by the content type of a message. */
export function serializerForContentType(contentType: string | undefined): Serializer | undefined {
  if (contentType === undefined) return undefined;
  for (const s of serializers.values()) if (s.contentType === contentType) return s;
  return undefined;
}

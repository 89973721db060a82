/**
 * Test-only: the AMQP type tag of every header value as it came off the wire (`S` long string,
 * `I` int32, `F` table, `A` array, ...), which decoded JavaScript values cannot show (7 could have
 * been sent as `I` or `d`, a string as `S` or bytes `x`, and py-amqp reads them differently).
 *
 * amqplib reads `codec.decodeFields` once, when its protocol definitions load; this module puts a
 * recording wrapper in front of whatever decoder is installed there (Enoki's). Import it before
 * anything from src/.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The tag of one header value; tables and arrays carry their members' tags. */
export type Tag = { tag: string; fields?: Record<string, Tag>; items?: Tag[] };

type Decoder = (slice: Buffer) => unknown;

const require = createRequire(import.meta.url);
const codec = require(join(dirname(require.resolve("amqplib")), "lib", "codec.js")) as {
  decodeFields: Decoder;
};
const tags = new WeakMap<object, Record<string, Tag>>();
let inner: Decoder = codec.decodeFields;

Object.defineProperty(codec, "decodeFields", {
  configurable: true,
  enumerable: true,
  get: () => (slice: Buffer) => {
    const table = inner(slice);
    if (typeof table === "object" && table !== null) tags.set(table, readTable(slice));
    return table;
  },
  set: (decoder: Decoder) => {
    inner = decoder;
  },
});

/** The wire tags of a decoded header table (`delivery.properties.headers`). */
export function headerTags(headers: object): Record<string, Tag> {
  const found = tags.get(headers);
  if (found === undefined)
    throw new Error("no wire tags recorded for these headers: import header-tags.ts first");
  return found;
}

function readTable(buf: Buffer): Record<string, Tag> {
  const out: Record<string, Tag> = {};
  let offset = 0;
  while (offset < buf.length) {
    const keyLength = buf.readUInt8(offset);
    const key = buf.toString("utf8", offset + 1, offset + 1 + keyLength);
    const [tag, next] = readValue(buf, offset + 1 + keyLength);
    out[key] = tag;
    offset = next;
  }
  return out;
}

const FIXED: Record<string, number> = {
  t: 1,
  b: 1,
  B: 1,
  s: 2,
  u: 2,
  U: 2,
  I: 4,
  i: 4,
  f: 4,
  l: 8,
  L: 8,
  d: 8,
  T: 8,
  D: 5,
  V: 0,
};

function readValue(buf: Buffer, offset: number): [Tag, number] {
  const tag = String.fromCharCode(buf.readUInt8(offset));
  const at = offset + 1;
  if (tag === "S" || tag === "x") return [{ tag }, at + 4 + buf.readUInt32BE(at)];
  if (tag === "F") {
    const end = at + 4 + buf.readUInt32BE(at);
    return [{ tag, fields: readTable(buf.subarray(at + 4, end)) }, end];
  }
  if (tag === "A") {
    const end = at + 4 + buf.readUInt32BE(at);
    const items: Tag[] = [];
    for (let o = at + 4; o < end; ) {
      const [item, next] = readValue(buf, o);
      items.push(item);
      o = next;
    }
    return [{ tag, items }, end];
  }
  const size = FIXED[tag];
  if (size === undefined) throw new Error(`unknown field tag ${tag}`);
  return [{ tag }, at + size];
}

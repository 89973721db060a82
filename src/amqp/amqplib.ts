/**
 * Loads amqplib with Enoki's field-table decoder in place, and tunes each connection's socket.
 *
 * amqplib binds its decoder when its protocol definitions load, so the replacement must happen
 * before amqplib itself is first required. Both steps reach into amqplib internals; each is
 * feature-checked and falls back to amqplib's own behaviour (with a warning) if its shape changes.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as Amqplib from "amqplib";
import { decodeFieldTable } from "./field-table.js";

const require = createRequire(import.meta.url);

function installDecoder(): boolean {
  try {
    const root = dirname(require.resolve("amqplib"));
    const defsPath = join(root, "lib", "defs.js");
    if (require.cache[defsPath] !== undefined) return false; // amqplib was loaded before us
    const codec = require(join(root, "lib", "codec.js")) as { decodeFields?: unknown };
    if (typeof codec.decodeFields !== "function") return false;
    codec.decodeFields = decodeFieldTable;
    return true;
  } catch {
    return false;
  }
}

/** Whether Enoki's header decoder is active (it is unless amqplib was loaded before Enoki). */
export const decoderInstalled: boolean = installDecoder();

/** amqplib, with the decoder installed. */
export const amqplib: typeof Amqplib = require("amqplib");

interface MuxLike {
  _readIncoming?: () => void;
}
interface ConnectionInternals {
  stream?: { cork?: () => void; uncork?: () => void; setNoDelay?: (on: boolean) => void };
  muxer?: MuxLike;
}

/**
 * Coalesces each round of amqplib's writes into one socket write. amqplib's muxer writes every
 * frame separately; on a busy RPC server those syscalls are most of the process's CPU time
 * (performance.md). Corking around a muxer round sends them together, with no added latency.
 * Returns whether it applied.
 */
export function coalesceWrites(model: Amqplib.ChannelModel): boolean {
  const conn = model.connection as unknown as ConnectionInternals;
  const stream = conn.stream;
  const mux = conn.muxer;
  const read = mux?._readIncoming;
  if (mux === undefined || typeof read !== "function" || typeof stream?.cork !== "function") return false;
  mux._readIncoming = function corkedRound(this: MuxLike) {
    stream.cork?.();
    try {
      read.call(this);
    } finally {
      stream.uncork?.();
    }
  };
  return true;
}

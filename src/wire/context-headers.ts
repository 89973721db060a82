/**
 * Context data on the wire: each entry travels as a `nameko.<key>` header, the call id stack as
 * `nameko.call_id_stack`, exactly as Nameko writes and reads them.
 *
 * Enoki adds one header of its own, in the same style: `nameko.deadline`, the caller's deadline
 * as an integer (an AMQP int64), milliseconds since the Unix epoch. An RPC request carries it when
 * its caller will stop waiting at some point (a call with a timeout, or a call made by a worker
 * that has a deadline itself); the request's AMQP `expiration` then holds the milliseconds left,
 * so RabbitMQ drops a request nobody waits for any more. A worker started by such a request
 * passes the deadline on to the calls it makes, which wait no longer than it
 * (`min(own timeout, time left)`), as gRPC propagates deadlines. Nameko does not know the header:
 * it reads it as context data and forwards it with its own calls, unchanged, which keeps the
 * deadline of a chain that runs through a Python service.
 */
import { setOwn } from "../util/set-own.js";

/** Prefix of context-data headers. */
export const HEADER_PREFIX = "nameko.";
/** Context key of the call id stack. */
export const CALL_ID_STACK_KEY = "call_id_stack";
/** Header carrying the call id stack. */
export const CALL_ID_STACK_HEADER = `${HEADER_PREFIX}${CALL_ID_STACK_KEY}`;
/** Context key of the caller's deadline (Enoki's; Nameko forwards it as context data). */
export const DEADLINE_KEY = "deadline";
/** Header carrying the caller's deadline: epoch milliseconds, an integer. */
export const DEADLINE_HEADER = `${HEADER_PREFIX}${DEADLINE_KEY}`;

/**
 * A deadline read from context data: a positive, safe integer of epoch milliseconds (py-amqp and
 * amqplib may give a 64-bit integer as a bigint), or `undefined` for anything else.
 */
export function readDeadline(value: unknown): number | undefined {
  const ms = typeof value === "bigint" ? Number(value) : value;
  return typeof ms === "number" && Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

/**
 * `headers` with the deadline header added, before the call id stack (which Nameko writes last).
 * A new object: `headers` may be shared by every call of a worker.
 */
export function withDeadline(
  headers: Readonly<Record<string, unknown>>,
  deadline: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(headers)) {
    if (key === DEADLINE_HEADER) continue;
    if (key === CALL_ID_STACK_HEADER) out[DEADLINE_HEADER] = deadline;
    setOwn(out, key, headers[key]);
  }
  if (!(DEADLINE_HEADER in out)) out[DEADLINE_HEADER] = deadline;
  return out;
}

/**
 * The `nameko.*` headers for context data and a call id stack. Entries whose value is null or
 * undefined are left out, as Nameko does; the stack goes last.
 */
export function contextHeaders(
  data: Readonly<Record<string, unknown>>,
  stack: readonly string[],
): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const key of Object.keys(data)) {
    const value = data[key];
    if (value === null || value === undefined || key === CALL_ID_STACK_KEY) continue;
    headers[`${HEADER_PREFIX}${key}`] = value; // never "__proto__": it has the prefix
  }
  if (stack.length > 0) headers[CALL_ID_STACK_HEADER] = stack;
  return headers;
}

/**
 * Context data from incoming headers: the `nameko.` prefix is removed, and headers without it
 * are kept under their own name, exactly as Nameko reads them.
 */
export function contextFromHeaders(
  headers: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (headers === undefined) return data;
  for (const key of Object.keys(headers)) {
    const name = key.startsWith(HEADER_PREFIX) ? key.slice(HEADER_PREFIX.length) : key;
    setOwn(data, name, headers[key]);
  }
  return data;
}

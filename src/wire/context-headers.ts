/**
 * Context data on the wire: each entry travels as a `nameko.<key>` header, the call id stack as
 * `nameko.call_id_stack`, exactly as Nameko writes and reads them.
 */
import { setOwn } from "../util/set-own.js";

/** Prefix of context-data headers. */
export const HEADER_PREFIX = "nameko.";
/** Context key of the call id stack. */
export const CALL_ID_STACK_KEY = "call_id_stack";
/** Header carrying the call id stack. */
export const CALL_ID_STACK_HEADER = `${HEADER_PREFIX}${CALL_ID_STACK_KEY}`;

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

/**
 * What an `@http` handler's return value or error becomes on the wire.
 *
 * Return values (Nameko's, plus JSON):
 * - a string: 200, `text/plain; charset=utf-8`;
 * - `[status, body]` or `[status, headers, body]`;
 * - an {@link HttpResponse}, or `json(value, status?, headers?)`;
 * - a plain object: 200 with its JSON (Nameko answers 500 here; Enoki is friendlier);
 * - a `Buffer`/`Uint8Array`: 200, `application/octet-stream`;
 * - `undefined` or `null`: 204 No Content.
 *
 * A body (in a tuple or a response) is a string, bytes, `null`/`undefined` (empty) or a plain
 * object or array (JSON). Anything else is the handler's bug: 500, logged with the route. JSON is
 * encoded strictly: a Map, Set, BigInt or function inside the value is an error, never dropped.
 *
 * Errors: an {@link HttpError} gives its own status; `BadRequest` subclasses and the entrypoint's
 * `expectedErrors` give 400; anything else 500 with a generic message. The body is always
 * `{"error": <code or error class name>, "message": <text>}`, never a stack trace.
 */
import {
  type OutgoingHttpHeaders,
  type ServerResponse,
  validateHeaderName,
  validateHeaderValue,
} from "node:http";
import { encodeJson } from "../wire/json.js";
import { describeValue } from "../wire/python-text.js";
import { BadRequest } from "../wire/remote-errors.js";
import { HttpError, statusCode } from "./http-error.js";

/** Response headers: a value, or several for headers such as `Set-Cookie`. */
export type HttpHeaders = Readonly<Record<string, string | number | readonly string[]>>;

/** A response body: text, bytes, nothing, or a plain object or array sent as JSON. */
export type HttpBody = string | Uint8Array | null | undefined | object;

/** Options of {@link HttpResponse}. */
export interface HttpResponseInit {
  /** Default 200. */
  status?: number;
  headers?: HttpHeaders;
}

/**
 * A complete response (werkzeug's `Response` in Nameko). Without a `Content-Type` header, a
 * string body is sent as `text/plain; charset=utf-8`, bytes as `application/octet-stream` and an
 * object as `application/json`.
 *
 * @example
 * return new HttpResponse("<h1>Hi</h1>", { status: 200, headers: { "content-type": "text/html" } });
 */
export class HttpResponse {
  readonly status: number;
  readonly headers: HttpHeaders;
  readonly body: HttpBody;

  constructor(body: HttpBody = "", init: HttpResponseInit = {}) {
    this.status = init.status ?? 200;
    this.headers = init.headers ?? {};
    this.body = body;
  }
}

/**
 * A JSON response.
 * @param status - default 200.
 * @example
 * return json({ id: trip.id }, 201, { location: `/trips/${trip.id}` });
 */
export function json(value: unknown, status = 200, headers: HttpHeaders = {}): HttpResponse {
  const withType = hasHeader(headers, "content-type") ? headers : { ...headers, "content-type": JSON_TYPE };
  return new HttpResponse(encodeJson(value), { status, headers: withType });
}

const JSON_TYPE = "application/json";

function hasHeader(headers: HttpHeaders, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

/** A response ready to write. @internal */
export interface ResponseData {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Buffer;
}

/**
 * Maps a handler's return value to a response.
 * @throws TypeError when the value is not something a handler may return.
 */
export function responseFromResult(result: unknown): ResponseData {
  if (result instanceof HttpResponse) return build(result.status, result.headers, result.body);
  if (result === undefined || result === null) return build(204, {}, "");
  if (typeof result === "string" || result instanceof Uint8Array || isPlainObject(result)) {
    return build(200, {}, result);
  }
  if (Array.isArray(result)) return fromTuple(result);
  throw new TypeError(
    `An @http handler returned ${describeValue(result)}: return a string, [status, body], ` +
      "[status, headers, body], an HttpResponse, json(value) or a plain object",
  );
}

function fromTuple(tuple: readonly unknown[]): ResponseData {
  const [status, second, third] = tuple;
  if (typeof status === "number" && tuple.length === 2) return build(status, {}, second as HttpBody);
  if (typeof status === "number" && tuple.length === 3 && isPlainObject(second)) {
    return build(status, second as HttpHeaders, third as HttpBody);
  }
  throw new TypeError(
    "An @http handler returned an array that is not [status, body] or [status, headers, body]; " +
      "to send a JSON array, return json([...])",
  );
}

/**
 * Maps a handler's error to a response.
 * @param expected - the entrypoint's `expectedErrors`, answered with 400.
 */
export function responseFromError(error: unknown, expected: readonly Function[]): ResponseData {
  if (error instanceof HttpError)
    return errorResponse(error.status, error.message, error.code, error.headers);
  if (error instanceof BadRequest || expected.some((cls) => error instanceof cls)) {
    return errorResponse(400, (error as Error).message ?? "", errorName(error));
  }
  return errorResponse(500, "The server could not handle the request");
}

/** A JSON error response: `{"error": code, "message": message}`. */
export function errorResponse(
  status: number,
  message: string,
  code: string = statusCode(status),
  headers: HttpHeaders = {},
): ResponseData {
  const body = Buffer.from(JSON.stringify({ error: code, message }));
  return build(status, { ...headers, "content-type": JSON_TYPE }, body);
}

/**
 * Writes a response unless one was already started. `close` asks the client to close the
 * connection afterwards (an unread body, a server shutting down).
 * @returns whether it was written.
 */
export function writeResponse(res: ServerResponse, data: ResponseData, close = false): boolean {
  if (res.headersSent || res.writableEnded || res.destroyed) return false;
  res.statusCode = data.status;
  for (const [name, value] of Object.entries(data.headers)) {
    if (value !== undefined) res.setHeader(name, value);
  }
  if (close) res.setHeader("connection", "close");
  res.end(data.body);
  return true;
}

// --- building ------------------------------------------------------------------------------------

function build(status: unknown, headers: HttpHeaders, body: HttpBody): ResponseData {
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) {
    throw new TypeError(`An @http handler returned status ${describeValue(status)}: use 200 to 599`);
  }
  const out = normalizeHeaders(headers);
  const { bytes, contentType } = encodeBody(body);
  if (status === 204 || status === 304) return { status, headers: out, body: Buffer.alloc(0) };
  if (out["content-type"] === undefined && contentType !== undefined) out["content-type"] = contentType;
  out["content-length"] = bytes.length;
  return { status, headers: out, body: bytes };
}

function encodeBody(body: HttpBody): { bytes: Buffer; contentType: string | undefined } {
  if (body === undefined || body === null) return { bytes: Buffer.alloc(0), contentType: undefined };
  if (typeof body === "string") return { bytes: Buffer.from(body), contentType: "text/plain; charset=utf-8" };
  if (body instanceof Uint8Array) {
    return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength), contentType: OCTET_STREAM };
  }
  if (Array.isArray(body) || isPlainObject(body)) {
    return { bytes: encodeJson(body), contentType: JSON_TYPE };
  }
  throw new TypeError(
    `An @http handler returned the body ${describeValue(body)}: use a string, bytes, or a plain object or array`,
  );
}

const OCTET_STREAM = "application/octet-stream";

// The server sets the framing headers itself; a handler's would only corrupt the response.
const FRAMING = new Set(["content-length", "transfer-encoding"]);

function normalizeHeaders(headers: HttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (FRAMING.has(name)) continue;
    validateHeaderName(name);
    const values = Array.isArray(value) ? value.map(String) : String(value);
    for (const v of Array.isArray(values) ? values : [values]) validateHeaderValue(name, v);
    out[name] = values;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The name of an error's class, as Nameko's `type(exc).__name__`. */
function errorName(error: unknown): string {
  const ctor = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (typeof ctor === "string" && ctor !== "" && ctor !== "Object") return ctor;
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === "string" && name !== "" ? name : "Error";
}

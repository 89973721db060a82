/**
 * The RPC envelope, both ways: a request body is `{args, kwargs}`, a reply body
 * `{result, error}` with `error` null or a wire error; a reply is as persistent as its request.
 * Reading a request finds everything that can be wrong with it before any worker runs, and
 * turns it into the error Nameko would reply with.
 */

import type { Delivery } from "../transport/transport.js";
import { decodeBody } from "./decode-body.js";
import { BodyDecodeError, type Serializer, serializerForContentType } from "./json.js";
import { PERSISTENT, TRANSIENT } from "./names.js";
import { MalformedRequest } from "./remote-errors.js";
import { fromWireError, type WireError } from "./wire-error.js";

/** A request that decoded into `{args, kwargs}`. */
export interface DecodedRequest {
  readonly args: unknown[];
  readonly kwargs: Record<string, unknown>;
}

/**
 * The serializer to answer a request with: the one matching its content type (Nameko replies in
 * the request's format), or `fallback` when the content type is missing or unknown.
 */
export function replySerializer(delivery: Delivery, fallback: Serializer): Serializer {
  return serializerForContentType(delivery.properties.contentType) ?? fallback;
}

/** Decodes and checks a request body. Throws {@link MalformedRequest} with the reason. */
export function decodeRequest(delivery: Delivery, maxBodyBytes: number): DecodedRequest {
  let body: unknown;
  try {
    body = decodeBody(delivery, maxBodyBytes);
  } catch (err) {
    throw new MalformedRequest(
      err instanceof BodyDecodeError ? err.message : "Message body could not be decoded",
    );
  }
  return requestShape(body);
}

function requestShape(body: unknown): DecodedRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new MalformedRequest("Message body must be an object with `args` and `kwargs`");
  }
  const { args, kwargs } = body as { args?: unknown; kwargs?: unknown };
  if (args === undefined || kwargs === undefined)
    throw new MalformedRequest("Message missing `args` or `kwargs`");
  if (!Array.isArray(args)) throw new MalformedRequest("`args` must be a list");
  if (typeof kwargs !== "object" || kwargs === null || Array.isArray(kwargs)) {
    throw new MalformedRequest("`kwargs` must be an object");
  }
  return { args, kwargs: kwargs as Record<string, unknown> };
}

/** A request body: positional and keyword arguments. */
export function encodeRequest(
  serializer: Serializer,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): Buffer {
  return serializer.encode({ args, kwargs });
}

/** A success reply body. Throws `UnserializableValueError` when the result cannot be encoded. */
export function encodeResult(serializer: Serializer, result: unknown): Buffer {
  return serializer.encode({ result: result ?? null, error: null });
}

/** An error reply body. */
export function encodeErrorReply(serializer: Serializer, error: WireError): Buffer {
  return serializer.encode({ result: null, error });
}

/** A reply's delivery mode: as persistent as its request (the caller chose; Nameko's are). */
export function replyDeliveryMode(requestDeliveryMode: number | undefined): number {
  return requestDeliveryMode === TRANSIENT ? TRANSIENT : PERSISTENT;
}

/**
 * A reply's outcome: its result, or the error it carries, rebuilt as a local error
 * (`fromWireError`). Throws when the reply cannot be read.
 */
export function decodeReply(delivery: Delivery): { ok: true; result: unknown } | { ok: false; error: Error } {
  const serializer = serializerForContentType(delivery.properties.contentType);
  if (serializer === undefined) {
    throw new Error(`Reply has unsupported content type ${JSON.stringify(delivery.properties.contentType)}`);
  }
  const body = serializer.decode(delivery.body);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new Error("Reply is not a {result, error} object");
  }
  const { result, error } = body as { result?: unknown; error?: unknown };
  if (error !== null && error !== undefined) return { ok: false, error: fromWireError(error) };
  return { ok: true, result: result ?? null };
}

/**
 * Reading an incoming RPC request: everything that can be wrong with it is found here, before any
 * worker runs, and turned into the error Nameko would reply with.
 */
import { MalformedRequest } from "../core/errors.js";
import { decodeBody } from "../serialization/decode-body.js";
import { BodyDecodeError, type Serializer, serializerForContentType } from "../serialization/json.js";
import type { Delivery } from "../transport/transport.js";

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

/**
 * Decoding a delivered message's body, with every check a consumer owes it: headers that could
 * be read, a content type that is present and known, a size under the limit.
 */
import type { Delivery } from "../transport/transport.js";
import { BodyDecodeError, serializerForContentType } from "./json.js";

/** Decodes a delivery's body; throws {@link BodyDecodeError} saying what is wrong with it. */
export function decodeBody(delivery: Delivery, maxBodyBytes: number): unknown {
  if (delivery.headerError !== undefined) {
    throw new BodyDecodeError(`Message headers could not be decoded: ${delivery.headerError}`);
  }
  const { contentType } = delivery.properties;
  if (contentType === undefined || contentType === "")
    throw new BodyDecodeError("Message has no content type");
  const serializer = serializerForContentType(contentType);
  if (serializer === undefined) throw new BodyDecodeError(`Unsupported content type \`${contentType}\``);
  if (maxBodyBytes > 0 && delivery.body.length > maxBodyBytes) {
    throw new BodyDecodeError(
      `Message body of ${delivery.body.length} bytes exceeds the limit of ${maxBodyBytes}`,
    );
  }
  return serializer.decode(delivery.body);
}

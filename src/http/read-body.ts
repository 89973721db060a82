/**
 * Reading a request body in full before its worker runs, with the size limit enforced while it
 * arrives (413 as soon as it is passed, not after buffering it all).
 */
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-error.js";

/** The declared `Content-Length`, 0 when there is none. */
export function declaredLength(req: IncomingMessage): number {
  const value = req.headers["content-length"];
  return value === undefined ? 0 : Number(value);
}

/** Whether the request says it has a body (a length above 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  return declaredLength(req) > 0 || req.headers["transfer-encoding"] !== undefined;
}

/** Reads the whole body; rejects with an `HttpError` 413 past `limit`, or when the client leaves. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new HttpError(413));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new Error("The client closed the connection before sending the whole body"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

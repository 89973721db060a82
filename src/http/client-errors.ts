/**
 * Answers to requests that never become requests: node:http hands over the socket of a client
 * that sent something unparsable, too slowly or too much, and the answer is written raw.
 */
import { errorResponse } from "./response.js";

/**
 * The answer to a request node:http could not parse (`clientError`): status and message, or
 * `undefined` when the socket should just be closed.
 */
export function clientErrorAnswer(code: string | undefined): [number, string] | undefined {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return [408, "The request was not received in time"];
  if (code === "HPE_HEADER_OVERFLOW") return [431, "The request headers are too large"];
  if (code?.startsWith("HPE_")) return [400, "The request is not valid HTTP"];
  return undefined;
}

/** A complete HTTP/1.1 error response as text, for a socket node:http has given up on. */
export function rawResponse(status: number, message: string): string {
  const data = errorResponse(status, message);
  const reason = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" }[
    status as 400 | 408 | 431
  ];
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${data.body.length}\r\nConnection: close\r\n\r\n${data.body.toString()}`
  );
}

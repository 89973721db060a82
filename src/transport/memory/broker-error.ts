/**
 * The errors the in-memory broker raises where RabbitMQ would close the channel. Their text is
 * what amqplib reports for the same refusal, so logs and assertions read the same on both
 * transports.
 */

/** AMQP reply codes of the channel errors the in-memory broker can raise. */
const REPLY_NAMES = {
  403: "ACCESS_REFUSED",
  404: "NOT_FOUND",
  405: "RESOURCE_LOCKED",
  406: "PRECONDITION_FAILED",
} as const;

/** A reply code the in-memory broker uses. */
export type ReplyCode = keyof typeof REPLY_NAMES;

/** An `Error` with the AMQP reply `code`, as amqplib's channel errors have. */
export type BrokerError = Error & { readonly code: ReplyCode };

/**
 * A refused declaration, worded like amqplib's
 * `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ..."`.
 */
export function operationFailed(operation: string, code: ReplyCode, text: string): BrokerError {
  return brokerError(`Operation failed: ${operation}; ${describe(code, text)}`, code);
}

/** A refused publish, worded like amqplib's `Channel closed by server: 404 (NOT-FOUND) ...`. */
export function channelClosed(code: ReplyCode, text: string): BrokerError {
  return brokerError(`Channel closed by server: ${describe(code, text)}`, code);
}

function describe(code: ReplyCode, text: string): string {
  const name = REPLY_NAMES[code];
  return `${code} (${name.replace("_", "-")}) with message "${name} - ${text}"`;
}

function brokerError(message: string, code: ReplyCode): BrokerError {
  return Object.assign(new Error(message), { code });
}

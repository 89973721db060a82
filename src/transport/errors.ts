/**
 * Errors every transport raises the same way, so code above the port never sees a client
 * library's errors.
 */
import { EnokiError } from "../util/enoki-error.js";

/** A mandatory message was returned by the broker because no queue was bound for it. */
export class UndeliverableMessage extends EnokiError {
  readonly code = "ENOKI_UNDELIVERABLE";
  readonly exchange: string;
  readonly routingKey: string;
  constructor(exchange: string, routingKey: string) {
    super(`No queue is bound to exchange \`${exchange}\` for routing key \`${routingKey}\``);
    this.name = "UndeliverableMessage";
    this.exchange = exchange;
    this.routingKey = routingKey;
  }
}

/** The connection to the broker was lost while the operation was under way. */
export class ConnectionLost extends EnokiError {
  readonly code = "ENOKI_CONNECTION_LOST";
  constructor(message = "Connection to the broker was lost", options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionLost";
  }
}

/**
 * The broker refused to take responsibility for a published message (`basic.nack`): a queue it
 * was routed to could not accept it, as a quorum queue that has lost the majority of its nodes.
 * Publishing it again at once would meet the same answer.
 */
export class MessageRefused extends EnokiError {
  readonly code = "ENOKI_MESSAGE_REFUSED";
  constructor(message = "The broker refused the message (basic.nack)", options?: ErrorOptions) {
    super(message, options);
    this.name = "MessageRefused";
  }
}

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

/**
 * `Backoff`: what a handler throws to be run again later, as nameko-amqp-retry's exception.
 */
import { EnokiError } from "../util/enoki-error.js";

/**
 * Thrown by an `@eventHandler` or `@consume` method to have its message run again after the
 * entrypoint's retry schedule (its `retry` option, else 1 s doubling to 30 s), whatever its
 * `retryOn` says, up to its attempts (`MESSAGE_MAX_ATTEMPTS` by default). The message waits in
 * a queue of the broker, not in the process: a retry survives the process. After the last
 * attempt it goes to the handler queue's dead-letter queue.
 *
 * @example
 * if (!(await inventory.isReady())) throw new Backoff("inventory not ready", { cause: err });
 */
export class Backoff extends EnokiError {
  readonly code = "ENOKI_BACKOFF";

  constructor(message = "retry later", options?: ErrorOptions) {
    super(message, options);
    this.name = "Backoff";
  }
}

/**
 * Publishes a failed message again: to a delay queue, to run again later, or to its handler
 * queue's dead-letter queue. Either way the copy is confirmed by the broker before the caller
 * acknowledges the original, so a process that dies in between leaves the original in its
 * queue (it then runs once more), never neither.
 */

import { UndeliverableMessage } from "../transport/errors.js";
import type { Delivery, MessageProperties, Transport } from "../transport/transport.js";
import {
  BACKOFF_EXCHANGE,
  BACKOFF_HEADER,
  backoffBinding,
  backoffQueue,
  deadLetterQueue,
  RETRY_HEADERS,
} from "../wire/retry-wire.js";

// Header values are limited by the frame size (128 KiB by default): keep errors readable, small.
const MAX_ERROR_MESSAGE = 2000;
const MAX_ERROR_STACK = 4000;

/** Republishes failed messages of one handler queue. */
export class MessageRepublisher {
  readonly #transport: Transport;
  readonly #queue: string;

  constructor(transport: Transport, queue: string) {
    this.#transport = transport;
    this.#queue = queue;
  }

  /** The dead-letter queue's name. */
  get deadLetterQueue(): string {
    return deadLetterQueue(this.#queue).name;
  }

  /**
   * Sends the message to the delay queue of `delayMs`, from which the broker routes it back to
   * the handler queue once the delay has passed, marked with the `runs` it has had.
   */
  async delay(
    delivery: Delivery,
    delayMs: number,
    runs: number,
    extraHeaders: Readonly<Record<string, unknown>> = {},
  ): Promise<void> {
    // Declared every time, as nameko-amqp-retry does: a delay queue expires once unused.
    await this.#transport.declareQueue(backoffQueue(delayMs), [backoffBinding(delayMs)]);
    const headers = {
      ...delivery.properties.headers,
      ...originOf(delivery, this.#queue),
      ...extraHeaders,
      [BACKOFF_HEADER]: delayMs,
      [RETRY_HEADERS.attempts]: runs,
    };
    await this.#transport.publish({
      exchange: BACKOFF_EXCHANGE.name,
      routingKey: this.#queue,
      body: delivery.body,
      properties: { ...copiedProperties(delivery.properties), headers, expiration: String(delayMs) },
      mandatory: true,
    });
  }

  /** Sends the message to the dead-letter queue with the error and the runs it had. */
  async deadLetter(delivery: Delivery, error: unknown, runs: number): Promise<void> {
    const headers = {
      ...delivery.properties.headers,
      ...originOf(delivery, this.#queue),
      ...errorHeaders(error),
      [RETRY_HEADERS.attempts]: runs,
      [RETRY_HEADERS.deadLetteredAt]: new Date().toISOString(),
    };
    const message = {
      exchange: "",
      routingKey: this.deadLetterQueue,
      body: delivery.body,
      properties: { ...copiedProperties(delivery.properties), headers },
      mandatory: true,
    };
    try {
      await this.#transport.publish(message);
    } catch (err) {
      // Declared on first use rather than at start: most handler queues never need one.
      if (!(err instanceof UndeliverableMessage)) throw err;
      await this.#transport.declareQueue(deadLetterQueue(this.#queue));
      await this.#transport.publish(message);
    }
  }
}

// Where the message was first published; kept from the first retry on.
function originOf(delivery: Delivery, queue: string): Record<string, unknown> {
  const headers = delivery.properties.headers;
  if (headers[RETRY_HEADERS.originalQueue] !== undefined) return {};
  return {
    [RETRY_HEADERS.originalExchange]: delivery.exchange,
    [RETRY_HEADERS.originalRoutingKey]: delivery.routingKey,
    [RETRY_HEADERS.originalQueue]: queue,
  };
}

function errorHeaders(error: unknown): Record<string, string> {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    [RETRY_HEADERS.errorType]: err.name || err.constructor.name,
    [RETRY_HEADERS.errorMessage]: err.message.slice(0, MAX_ERROR_MESSAGE),
    [RETRY_HEADERS.errorStack]: (err.stack ?? "").slice(0, MAX_ERROR_STACK),
  };
}

// Everything but the expiration (a delay queue sets its own; a dead letter must not expire).
function copiedProperties(properties: MessageProperties): MessageProperties {
  const { expiration: _expiration, headers: _headers, ...rest } = properties;
  return rest;
}

/**
 * The broker topology and headers of retries and dead letters. The delay side is
 * nameko-amqp-retry's, byte for byte, so that Enoki and Python services using it share one
 * `backoff` exchange and its delay queues without a PRECONDITION_FAILED: a headers exchange
 * `backoff`, and one queue per delay, `backoff--<ms>ms`, bound by the `backoff` header, that
 * dead-letters expired messages to the default exchange, which routes them by their routing key:
 * the name of the queue to retry in. The dead-letter side (`<queue>.dead-letter` and the
 * `x-enoki-*` headers) is Enoki's own.
 */
import type { BindingSpec, ExchangeSpec, QueueSpec } from "../transport/transport.js";
import { HEADER_PREFIX } from "./context-headers.js";

/**
 * The header naming the method of an RPC request sent back through a delay queue (which
 * returns it through the default exchange, with the queue's name as its routing key), as
 * nameko-amqp-retry names it.
 */
export const RPC_METHOD_ID_HEADER = `${HEADER_PREFIX}rpc_method_id`;

/** {@link RPC_METHOD_ID_HEADER}'s key in a worker's context data, where it must not stay. */
export const RPC_METHOD_ID_KEY = RPC_METHOD_ID_HEADER.slice(HEADER_PREFIX.length);

/** nameko-amqp-retry's exchange of delay queues: headers, durable. */
export const BACKOFF_EXCHANGE: ExchangeSpec = {
  name: "backoff",
  type: "headers",
  durable: true,
  autoDelete: false,
};

/** The header that routes a message to its delay queue (milliseconds), as nameko-amqp-retry. */
export const BACKOFF_HEADER = "backoff";

// nameko-amqp-retry's EXPIRY_GRACE_PERIOD: a delay queue outlives its delay by this much.
const DELAY_QUEUE_GRACE_MS = 5000;

/** The delay queue of `delayMs`: `backoff--<ms>ms`, expiring once unused for the delay + 5 s. */
export function backoffQueue(delayMs: number): QueueSpec {
  return {
    name: `backoff--${delayMs}ms`,
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: { "x-expires": delayMs + DELAY_QUEUE_GRACE_MS, "x-dead-letter-exchange": "" },
  };
}

/** How the delay queue of `delayMs` is bound to the `backoff` exchange. */
export function backoffBinding(delayMs: number): BindingSpec {
  return { exchange: BACKOFF_EXCHANGE, routingKey: "", arguments: { backoff: delayMs, "x-match": "any" } };
}

/** The dead-letter queue of a handler queue: `<queue>.dead-letter`, durable, no arguments. */
export function deadLetterQueue(queue: string): QueueSpec {
  return { name: `${queue}${DEAD_LETTER_SUFFIX}`, durable: true, exclusive: false, autoDelete: false };
}

/** What a dead-letter queue's name ends with. */
export const DEAD_LETTER_SUFFIX = ".dead-letter";

/** Headers Enoki adds to a retried or dead-lettered message. */
export const RETRY_HEADERS = {
  /** Runs of the message so far (an integer). */
  attempts: "x-enoki-attempts",
  /** Where the message was first published: exchange, routing key, and the queue it was taken from. */
  originalExchange: "x-enoki-original-exchange",
  originalRoutingKey: "x-enoki-original-routing-key",
  originalQueue: "x-enoki-original-queue",
  /** The last run's error: class name, message, stack (truncated). */
  errorType: "x-enoki-error-type",
  errorMessage: "x-enoki-error-message",
  errorStack: "x-enoki-error-stack",
  /** When it was dead-lettered (ISO 8601). */
  deadLetteredAt: "x-enoki-dead-lettered-at",
} as const;

/**
 * Runs a message has had: Enoki's `x-enoki-attempts`, or, for a message retried by
 * nameko-amqp-retry, the times it went through a delay queue (`x-death` entries of the `backoff`
 * exchange: each followed a failed run), whichever is larger.
 */
export function attemptsSoFar(headers: Readonly<Record<string, unknown>>): number {
  const own = Number(headers[RETRY_HEADERS.attempts] ?? 0);
  let delayed = 0;
  const deaths = headers["x-death"];
  if (Array.isArray(deaths)) {
    for (const death of deaths as Array<Record<string, unknown>>) {
      if (death?.exchange === BACKOFF_EXCHANGE.name) delayed += Number(death.count ?? 0);
    }
  }
  return Math.max(Number.isFinite(own) ? own : 0, delayed);
}

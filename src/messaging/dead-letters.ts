/**
 * What an operator does with the dead-letter queue of a handler queue: count, read, replay,
 * purge. Used by `enoki dead-letters`; works through the Transport port alone.
 */
import type { Delivery, Transport } from "../transport/transport.js";
import { BACKOFF_HEADER, DEAD_LETTER_SUFFIX, RETRY_HEADERS } from "../wire/retry-wire.js";

/** One dead letter, as read from its queue. */
export interface DeadLetter {
  /** The handler queue it failed in. */
  readonly queue: string;
  readonly exchange: string;
  readonly routingKey: string;
  readonly attempts: number;
  readonly error: { readonly type: string; readonly message: string; readonly stack: string };
  /** When it was dead-lettered (ISO 8601), as recorded. */
  readonly deadLetteredAt: string;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, unknown>>;
  readonly body: Buffer;
}

/** The counts of one dead-letter queue, and its most recent dead letter. */
export interface DeadLetterSummary {
  readonly queue: string;
  readonly deadLetterQueue: string;
  /** False when the dead-letter queue does not exist (nothing ever failed for good there). */
  readonly exists: boolean;
  readonly count: number;
  readonly last: DeadLetter | undefined;
}

// Reading more than this to find the most recent dead letter is not worth it.
const SUMMARY_SCAN_LIMIT = 10_000;

/** The dead-letter queue of one handler queue. */
export class DeadLetters {
  /** The handler queue. */
  readonly queue: string;
  /** Its dead-letter queue, `<queue>.dead-letter`. */
  readonly deadLetterQueue: string;
  readonly #transport: Transport;

  /** `queue` is the handler queue, or its dead-letter queue. */
  constructor(transport: Transport, queue: string) {
    this.#transport = transport;
    this.queue = queue.endsWith(DEAD_LETTER_SUFFIX) ? queue.slice(0, -DEAD_LETTER_SUFFIX.length) : queue;
    this.deadLetterQueue = `${this.queue}${DEAD_LETTER_SUFFIX}`;
  }

  /** How many are waiting, and the most recent one (of the first 10,000). */
  async summary(): Promise<DeadLetterSummary> {
    const status = await this.#transport.inspectQueue(this.deadLetterQueue);
    const base = { queue: this.queue, deadLetterQueue: this.deadLetterQueue };
    if (status === undefined) return { ...base, exists: false, count: 0, last: undefined };
    const letters = await this.peek(Math.min(status.messages, SUMMARY_SCAN_LIMIT));
    return { ...base, exists: true, count: status.messages, last: letters.at(-1) };
  }

  /** The first `limit` dead letters, oldest first, left in the queue. */
  async peek(limit: number): Promise<DeadLetter[]> {
    const taken = await this.#take(limit);
    for (const delivery of taken) delivery.reject(true);
    return taken.map((delivery) => deadLetterOf(delivery, this.queue));
  }

  /**
   * Publishes the first `limit` dead letters (all with `Infinity`) back to the handler queue they
   * failed in, runs counted from zero again; each is removed once the broker confirmed its copy.
   * Resolves with how many were replayed.
   */
  async replay(limit: number): Promise<number> {
    let replayed = 0;
    while (replayed < limit) {
      const delivery = await this.#transport.getMessage(this.deadLetterQueue);
      if (delivery === undefined) break;
      const origin = String(delivery.properties.headers[RETRY_HEADERS.originalQueue] ?? this.queue);
      try {
        await this.#transport.publish({
          // To the queue, not the original exchange: the event's other handlers already had it.
          exchange: "",
          routingKey: origin,
          body: delivery.body,
          properties: { ...delivery.properties, headers: replayHeaders(delivery.properties.headers) },
          mandatory: true,
        });
      } catch (err) {
        delivery.reject(true);
        throw err;
      }
      delivery.ack();
      replayed++;
    }
    return replayed;
  }

  /** Deletes every dead letter; resolves with how many (0 when there is no dead-letter queue). */
  async purge(): Promise<number> {
    if ((await this.#transport.inspectQueue(this.deadLetterQueue)) === undefined) return 0;
    return this.#transport.purgeQueue(this.deadLetterQueue);
  }

  async #take(limit: number): Promise<Delivery[]> {
    const taken: Delivery[] = [];
    if ((await this.#transport.inspectQueue(this.deadLetterQueue)) === undefined) return taken;
    while (taken.length < limit) {
      const delivery = await this.#transport.getMessage(this.deadLetterQueue);
      if (delivery === undefined) break;
      taken.push(delivery);
    }
    return taken;
  }
}

function deadLetterOf(delivery: Delivery, queue: string): DeadLetter {
  const h = delivery.properties.headers;
  const text = (name: string) => (h[name] === undefined ? "" : String(h[name]));
  return {
    queue: text(RETRY_HEADERS.originalQueue) || queue,
    exchange: text(RETRY_HEADERS.originalExchange),
    routingKey: text(RETRY_HEADERS.originalRoutingKey),
    attempts: Number(h[RETRY_HEADERS.attempts] ?? 0),
    error: {
      type: text(RETRY_HEADERS.errorType),
      message: text(RETRY_HEADERS.errorMessage),
      stack: text(RETRY_HEADERS.errorStack),
    },
    deadLetteredAt: text(RETRY_HEADERS.deadLetteredAt),
    contentType: delivery.properties.contentType,
    headers: h,
    body: delivery.body,
  };
}

// The message as it was first published, plus where it came from (so that a later dead letter
// still names its first exchange and routing key): no error, no runs, no delay history.
function replayHeaders(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const dropped = new Set<string>([
    RETRY_HEADERS.attempts,
    RETRY_HEADERS.errorType,
    RETRY_HEADERS.errorMessage,
    RETRY_HEADERS.errorStack,
    RETRY_HEADERS.deadLetteredAt,
    BACKOFF_HEADER,
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
  ]);
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (!dropped.has(key))
      Object.defineProperty(kept, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return kept;
}

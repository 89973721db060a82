/**
 * How long a consumer holds a failed message before giving it back to the queue.
 *
 * Nameko rejects with `requeue=true` at once, and RabbitMQ redelivers at once: a handler that
 * always fails spins a CPU core forever. Enoki keeps the message (unacknowledged, so it is not
 * lost and no other consumer takes it) for a delay that doubles with each failure of the same
 * message, then rejects it with requeue.
 */
import { createHash } from "node:crypto";
import type { Delivery } from "../transport/transport.js";

/** Delay before requeueing a message after its first failure, in milliseconds. */
export const REQUEUE_INITIAL_DELAY_MS = 1_000;
/** Longest delay before requeueing a failed message, in milliseconds. */
export const REQUEUE_MAX_DELAY_MS = 30_000;
// Failure counts of this many distinct messages are remembered; the oldest are forgotten first.
const MAX_TRACKED = 1_000;

/**
 * Failure counts per message, and the delay they give: 1 s after the first failure, doubling
 * (2 s, 4 s, ...) up to 30 s. A message is recognised by its exchange, routing key, headers and
 * body (RabbitMQ gives classic-queue messages no delivery count); a delivery that is not marked
 * `redelivered` starts again from 1 s. Success forgets the message.
 */
export class RequeueBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #failures = new Map<string, number>();

  constructor(initialMs = REQUEUE_INITIAL_DELAY_MS, maxMs = REQUEUE_MAX_DELAY_MS) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
  }

  /** Records a failure of `delivery`; returns how long to hold it before requeueing. */
  failed(delivery: Delivery): number {
    const key = messageKey(delivery);
    const previous = delivery.redelivered ? (this.#failures.get(key) ?? 0) : 0;
    const failures = previous + 1;
    this.#failures.delete(key); // re-inserted last: the map's order is least recently failed first
    this.#failures.set(key, failures);
    if (this.#failures.size > MAX_TRACKED) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
    return Math.min(this.#initialMs * 2 ** (failures - 1), this.#maxMs);
  }

  /** Forgets the failures of a message that was handled. */
  succeeded(delivery: Delivery): void {
    // A message that failed before always comes back marked redelivered: no hashing otherwise.
    if (delivery.redelivered && this.#failures.size > 0) this.#failures.delete(messageKey(delivery));
  }
}

function messageKey(delivery: Delivery): string {
  const hash = createHash("sha1");
  hash.update(delivery.exchange).update("\0").update(delivery.routingKey).update("\0");
  hash.update(JSON.stringify(delivery.properties.headers, bigintSafe) ?? "").update("\0");
  return hash.update(delivery.body).digest("hex");
}

function bigintSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * The requests this instance is running, and those it answered lately, so that a copy the broker
 * delivers again runs no second time. After a connection cut the broker redelivers every request
 * that was not acknowledged, including ones whose worker is still running here and ones whose
 * reply went out just before the cut (their ack was lost with the channel): without the ledger
 * each would run twice, and the caller would drop the second answer.
 *
 * Requests are known by reply queue and correlation id. Answered ones are kept in a bounded,
 * first-in first-out set: while the connection is down nothing new is answered, so the ones
 * answered around the cut are still there when their copies come back.
 */

/** What the ledger knows of a redelivered request. */
export type LedgerEntry = "answered" | Promise<boolean> | undefined;

/** The running and lately answered requests of one RPC consumer. */
export class RequestLedger {
  readonly #running = new Map<string, Array<(answered: boolean) => void>>();
  readonly #answered = new Set<string>();
  readonly #limit: number;

  constructor(limit = 1_000) {
    this.#limit = limit;
  }

  /** The key of a request, or `undefined` when it has no correlation id to tell copies apart. */
  static key(replyTo: string, correlationId: string | undefined): string | undefined {
    return correlationId === undefined || correlationId === "" ? undefined : `${replyTo}\n${correlationId}`;
  }

  /**
   * For a redelivered request: `answered` (acknowledge it, run nothing), a promise that resolves
   * once the run under way ends (true: it answered), or `undefined` (this instance never saw it).
   */
  lookup(key: string): LedgerEntry {
    if (this.#answered.has(key)) return "answered";
    const waiters = this.#running.get(key);
    if (waiters === undefined) return undefined;
    return new Promise((resolve) => waiters.push(resolve));
  }

  /** A worker starts on this request. */
  begin(key: string): void {
    if (!this.#running.has(key)) this.#running.set(key, []);
  }

  /**
   * The request ended: `answered` when its reply was published (and confirmed, for a persistent
   * one).
   */
  end(key: string, answered: boolean): void {
    const waiters = this.#running.get(key) ?? [];
    this.#running.delete(key);
    if (answered) this.#remember(key);
    for (const resolve of waiters) resolve(answered);
  }

  #remember(key: string): void {
    this.#answered.add(key);
    if (this.#answered.size > this.#limit) {
      const oldest = this.#answered.values().next().value as string;
      this.#answered.delete(oldest);
    }
  }
}

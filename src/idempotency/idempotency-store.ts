/**
 * The store `@idempotent` records runs in: which keys have a run in progress (a lease) and which
 * have completed (their result). `MemoryIdempotencyStore` is the one in this folder; Redis's is in
 * `enoki/redis` (`idempotencyStore()`).
 */

/**
 * What {@link IdempotencyStore.begin} found:
 * - `started`: nothing was recorded; the caller now holds a lease on the key (with `token`) and
 *   runs the work;
 * - `running`: another run holds the lease (it may be on another instance);
 * - `done`: a run completed; `result` is what it recorded.
 */
export type IdempotencyClaim =
  | { readonly state: "started"; readonly token: string }
  | { readonly state: "running" }
  | { readonly state: "done"; readonly result: string };

/**
 * Records runs by key, each operation atomic on its own. Keys are whole (`@idempotent` puts the
 * service and method in them); a store may put a prefix of its own before them.
 */
export interface IdempotencyStore {
  /**
   * In one step: when the key has no record, takes a lease on it for `leaseMs` (a new token);
   * otherwise says whether a run holds it or which result a run recorded.
   */
  begin(key: string, leaseMs: number): Promise<IdempotencyClaim>;
  /** Extends the lease while its run goes on; `false` when the lease is no longer `token`'s. */
  renew(key: string, token: string, leaseMs: number): Promise<boolean>;
  /**
   * Records the run's result, kept for `ttlMs`, in place of the lease. A result recorded already
   * (by a run that took the key over after this one's lease ran out) stays: the first one wins.
   */
  complete(key: string, token: string, result: string, ttlMs: number): Promise<void>;
  /** Drops the lease after a failed run, so the next delivery runs again; only `token`'s lease. */
  abandon(key: string, token: string): Promise<void>;
}

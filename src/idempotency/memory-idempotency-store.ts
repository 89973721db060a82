/**
 * `MemoryIdempotencyStore`: an {@link IdempotencyStore} in the process's memory, for tests and for
 * the in-process broker (`memory://`). Instances of a service in other processes do not see it.
 */
import { randomUUID } from "node:crypto";
import type { IdempotencyClaim, IdempotencyStore } from "./idempotency-store.js";

type Entry =
  | { readonly state: "running"; readonly token: string; expiresAt: number }
  | { readonly state: "done"; readonly result: string; readonly expiresAt: number };

/** How many operations between sweeps of expired entries (reads skip them anyway). */
const SWEEP_EVERY = 1_024;

/**
 * Keeps runs in a `Map`, with Redis's semantics: leases and results expire (checked against
 * `Date.now()` when read, and swept now and then so the map does not grow without bound).
 *
 * @example
 * const store = new MemoryIdempotencyStore();
 * class Trips { @rpc @idempotent(store) async create(...) { ... } }
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #entries = new Map<string, Entry>();
  #operations = 0;

  /** How many keys hold a lease or a result (expired ones may still count until a sweep). */
  get size(): number {
    return this.#entries.size;
  }

  async begin(key: string, leaseMs: number): Promise<IdempotencyClaim> {
    const entry = this.#read(key);
    if (entry?.state === "done") return { state: "done", result: entry.result };
    if (entry?.state === "running") return { state: "running" };
    const token = randomUUID();
    this.#entries.set(key, { state: "running", token, expiresAt: Date.now() + leaseMs });
    return { state: "started", token };
  }

  async renew(key: string, token: string, leaseMs: number): Promise<boolean> {
    const entry = this.#read(key);
    if (entry?.state !== "running" || entry.token !== token) return false;
    entry.expiresAt = Date.now() + leaseMs;
    return true;
  }

  async complete(key: string, _token: string, result: string, ttlMs: number): Promise<void> {
    if (this.#read(key)?.state === "done") return;
    this.#entries.set(key, { state: "done", result, expiresAt: Date.now() + ttlMs });
  }

  async abandon(key: string, token: string): Promise<void> {
    const entry = this.#read(key);
    if (entry?.state === "running" && entry.token === token) this.#entries.delete(key);
  }

  /** Forgets every lease and result. */
  clear(): void {
    this.#entries.clear();
  }

  #read(key: string): Entry | undefined {
    const now = Date.now();
    if (++this.#operations % SWEEP_EVERY === 0) this.#sweep(now);
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.expiresAt > now) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}

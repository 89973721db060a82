/**
 * A bounded pool of worker slots (Nameko's `max_workers`), shared by every entrypoint of a
 * container. Waiters are served first come, first served.
 */
export class WorkerPool {
  readonly size: number;
  #active = 0;
  #waiters: Array<() => void> = [];
  #idle: Array<() => void> = [];

  constructor(size: number) {
    this.size = size;
  }

  /** Workers running now. */
  get active(): number {
    return this.#active;
  }

  /** Work waiting for a slot (messages delivered, prefetched, not yet running). */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a slot if one is free, without waiting. */
  tryAcquire(): boolean {
    if (this.#active >= this.size) return false;
    this.#active++;
    return true;
  }

  /** Takes a slot, waiting for one to free up. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Gives a slot back, handing it straight to the next waiter if there is one. */
  release(): void {
    const next = this.#waiters.shift();
    if (next !== undefined) {
      next();
      return;
    }
    this.#active--;
    if (this.#active === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Resolves once no worker is running. */
  idle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}

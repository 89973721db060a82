/**
 * The `@timer` entrypoint: runs a method on a fixed schedule, as Nameko's `@timer` does.
 */

import type { Entrypoint } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import { type AnyMethodContext, addEntrypoint } from "../core/service.js";
import { ConfigurationError } from "../util/enoki-error.js";

/** Options of `@timer`. */
export interface TimerOptions {
  /** Seconds between ticks, as in Nameko (`interval: 0.5` is half a second). */
  interval: number;
  /** Fire the first tick as soon as the service starts. Default false: after one interval. */
  eager?: boolean;
}

/**
 * Runs the method every `interval` **seconds**, with no arguments.
 *
 * Ticks follow a fixed schedule (start + n × interval) and never overlap: the next tick waits
 * for the previous run to finish, and a run that overruns is followed at once by the next
 * (overdue ticks are not skipped). Each tick is a worker: it waits for a free slot of
 * `max_workers` and starts a new call id stack. An error is logged and the schedule goes on.
 * Stopping the service cancels the next tick and lets a running one finish.
 *
 * @example
 * @timer({ interval: 60 })
 * async refreshRates() { ... }
 */
export function timer(options: TimerOptions): (method: () => unknown, context: AnyMethodContext) => void {
  const { interval, eager = false } = options;
  if (typeof interval !== "number" || !Number.isFinite(interval) || interval <= 0) {
    throw new ConfigurationError(
      `@timer interval must be a positive number of seconds, got ${JSON.stringify(interval)}`,
    );
  }
  return (method, context) =>
    addEntrypoint(
      "timer",
      method,
      context,
      (container, signature) => new TimerEntrypoint(container, signature.method, interval, eager),
    );
}

/** One timer of a running service. */
export class TimerEntrypoint implements Entrypoint {
  readonly kind = "timer";
  readonly name: string;
  readonly method: string;
  readonly expected: readonly Function[] = [];
  /** Seconds between ticks. */
  readonly interval: number;
  readonly eager: boolean;
  readonly #container: ExtensionHost;
  #pending: NodeJS.Timeout | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(container: ExtensionHost, method: string, interval: number, eager: boolean) {
    this.#container = container;
    this.method = method;
    this.interval = interval;
    this.eager = eager;
    this.name = `timer ${container.serviceName}.${method}`;
  }

  async start(): Promise<void> {
    // Crash-only: a loop that fails (it should not) takes the container down, visibly.
    void this.#run().catch((err: Error) => this.#container.crash(err));
  }

  /** Cancels the next tick; a running tick finishes in the container's drain. */
  async stop(): Promise<void> {
    this.#cancel();
  }

  async kill(): Promise<void> {
    this.#cancel();
  }

  async #run(): Promise<void> {
    const startedAt = performance.now();
    const intervalMs = this.interval * 1000;
    for (let tick = this.eager ? 0 : 1; ; tick++) {
      await this.#sleep(startedAt + tick * intervalMs - performance.now());
      if (this.#stopped) return;
      // Resolves after the worker finished, or at once when the container began stopping first.
      const run = await this.#container.spawnWorker(this, [], {});
      if (run.status !== "finished" || this.#stopped) return;
    }
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#pending = setTimeout(resolve, ms);
    });
  }

  #cancel(): void {
    this.#stopped = true;
    clearTimeout(this.#pending);
    this.#wake?.();
  }
}

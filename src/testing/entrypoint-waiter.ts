/**
 * `entrypointWaiter`: wait, in a test, until a service has handled something.
 */
import type { ServiceContainer } from "../core/container.js";
import type { WorkerContext } from "../core/worker-context.js";
import type { FinishedWorker } from "../core/worker-runner.js";
import { DEFAULT_WAIT_MS } from "./entrypoint-hook.js";
import { EntrypointWaiterTimeout } from "./errors.js";
import { deadline, findEntrypoint } from "./find-entrypoint.js";
import type { EntrypointArgs, EntrypointName, EntrypointResult } from "./types.js";

/** A finished worker of the waited-for entrypoint: how it ended, its arguments and context. */
export type WaitedWorker<A, R> = ({ ok: true; result: R } | { ok: false; error: unknown }) & {
  readonly args: A;
  readonly context: WorkerContext;
};

/** Options of {@link entrypointWaiter}. */
export interface EntrypointWaiterOptions<A = unknown[], R = unknown> {
  /** How long to wait before failing with `EntrypointWaiterTimeout`; 0 waits forever. Default 10 s. */
  readonly timeoutMs?: number;
  /**
   * Called with every finished worker of the entrypoint; the waiter is done with the first one
   * for which it returns `true` (for example: the first that did not fail). Default: the first.
   */
  readonly callback?: (worker: WaitedWorker<A, R>) => boolean;
}

/**
 * Waits for a worker of one entrypoint to finish. Create it before the action that makes the
 * worker run; see {@link entrypointWaiter}.
 */
export class EntrypointWaiter<A = unknown[], R = unknown> implements AsyncDisposable {
  /**
   * Resolves with the first matching worker once it has finished (result handled, teardown
   * hooks run), whether it succeeded or failed: look at `ok`. Rejects with
   * `EntrypointWaiterTimeout`, when the container closes first, or when the callback throws.
   */
  readonly done: Promise<WaitedWorker<A, R>>;
  readonly #stop: () => void;
  #cancelled = false;

  /** @internal use {@link entrypointWaiter} */
  constructor(container: ServiceContainer, method: string, options: EntrypointWaiterOptions<A, R>) {
    findEntrypoint(container, method);
    const where = `${container.serviceName}.${method}`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
    let finished = 0;
    const timeout = deadline(timeoutMs, () => {
      const seen = finished === 0 ? "" : ` (${finished} finished, none matched the callback)`;
      return new EntrypointWaiterTimeout(`Timeout on ${where} after ${timeoutMs} ms${seen}`);
    });
    let off: () => void = () => undefined;
    let stopped: () => void = () => undefined;
    const matched = new Promise<WaitedWorker<A, R>>((resolve, reject) => {
      off = container.onWorkerDone((worker) => {
        if (worker.entrypoint.method !== method) return;
        finished++;
        const waited = asWaited<A, R>(worker);
        try {
          if (options.callback === undefined || options.callback(waited)) resolve(waited);
        } catch (err) {
          reject(err);
        }
      });
      stopped = () => {
        if (!this.#cancelled)
          reject(new Error(`${where}: the container closed before the waited-for worker finished`));
      };
    });
    void container.closed.then(() => stopped());
    this.#stop = () => {
      off();
      timeout.clear();
    };
    this.done = Promise.race([matched, timeout.expired]).finally(this.#stop);
    // Not awaiting a waiter is no reason to crash the test process with an unhandled rejection.
    this.done.catch(() => undefined);
  }

  /** The waited-for worker's return value; rejects with what it threw (or as `done` rejects). */
  async result(): Promise<R> {
    const worker = await this.done;
    if (!worker.ok) throw worker.error;
    return worker.result;
  }

  /** Stops waiting: `done` then never settles, and disposing returns at once. */
  cancel(): void {
    this.#cancelled = true;
    this.#stop();
  }

  /**
   * For `await using`: waits as `done` does (failing on a timeout, but not when the worker
   * failed), unless cancelled.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#cancelled) await this.done;
  }
}

function asWaited<A, R>(worker: FinishedWorker): WaitedWorker<A, R> {
  const { outcome, args, context } = worker;
  const base = { args: args as unknown as A, context };
  return outcome.ok
    ? { ok: true, result: outcome.result as R, ...base }
    : { ok: false, error: outcome.error, ...base };
}

/**
 * Waits until a worker of the entrypoint on method `method` has finished: its result handled
 * (the RPC reply sent, the event acknowledged) and its teardown hooks run. With a `callback`,
 * only a worker for which it returns `true` counts. Create the waiter before the action that
 * starts the worker, then await `waiter.done` (the worker, failed or not) or `waiter.result()`
 * (its return value, or its error thrown); with `await using`, leaving the block waits.
 * Nameko's `entrypoint_waiter`.
 *
 * Typed when the container's service class is known (`services.container(Hotels)`): the method
 * name is checked, and the worker's arguments and result are typed.
 *
 * @throws ExtensionNotFound (at once) when the method has no entrypoint.
 * @example
 * const handled = entrypointWaiter(services.container(Hotels), "onTripBooked");
 * await services.service(Trips).book("LHR", "CDG");
 * assert.equal((await handled.done).ok, true);
 * @example
 * {
 *   await using _ = entrypointWaiter(container, "onTripBooked", { callback: (w) => w.ok });
 *   await dispatch();
 * } // waits here for a successful run, or fails after 10 s
 */
export function entrypointWaiter<S extends object, M extends EntrypointName<S>>(
  container: ServiceContainer<S>,
  method: M,
  options: EntrypointWaiterOptions<EntrypointArgs<S, M>, EntrypointResult<S, M>> = {},
): EntrypointWaiter<EntrypointArgs<S, M>, EntrypointResult<S, M>> {
  return new EntrypointWaiter(container, method, options);
}

/**
 * docs/writing-extensions.md, "A dependency provider with worker hooks": `unitOfWork(store)`,
 * which applies a worker's writes only if the worker succeeds, from the published subpaths only.
 */
// #region provider
import { dependency, type Injected, type WorkerContext } from "enoki/extension";

/** Where the writes go in the end (a database, a cache). */
export interface Store {
  apply(writes: ReadonlyMap<string, string>): Promise<void>;
}

/** What a worker sees: writes that are kept until the worker has succeeded. */
export interface UnitOfWork {
  set(key: string, value: string): void;
}

/** Declares a field whose writes are applied to `store` once the worker returns without error. */
export function unitOfWork(store: Store): Injected<UnitOfWork> {
  return dependency<UnitOfWork>("unitOfWork()", () => {
    // One buffer per worker, keyed by its context: workers of one service run side by side.
    const buffers = new WeakMap<WorkerContext, Map<string, string>>();
    return {
      name: "unitOfWork()",
      get(ctx) {
        const writes = new Map<string, string>();
        buffers.set(ctx, writes);
        return { set: (key, value) => void writes.set(key, value) };
      },
      // After the method, before teardown: the outcome says whether to keep the writes.
      async workerResult(ctx, outcome) {
        const writes = buffers.get(ctx);
        if (outcome.ok && writes !== undefined && writes.size > 0) await store.apply(writes);
      },
      workerTeardown(ctx) {
        buffers.delete(ctx);
      },
    };
  });
}
// #endregion provider

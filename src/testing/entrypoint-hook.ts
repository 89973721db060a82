/**
 * `entrypointHook`: run a service's entrypoint method in a real worker, from a test.
 */
import type { ServiceContainer } from "../core/container.js";
import type { Entrypoint } from "../core/extension.js";
import type { ContextData } from "../core/worker-context.js";
import { EntrypointWaiterTimeout } from "./errors.js";
import { deadline, findEntrypoint } from "./find-entrypoint.js";
import type { EntrypointArgs, EntrypointName, EntrypointResult } from "./types.js";

/** Default time limit of hooks and waiters. */
export const DEFAULT_WAIT_MS = 10_000;

/** Options of {@link entrypointHook}. */
export interface EntrypointHookOptions {
  /**
   * Context data the worker starts with, as if a caller had sent it: `language`, `user_id`,
   * `auth_token`, a `call_id_stack` to continue. Default: none.
   */
  readonly contextData?: ContextData;
  /** How long a call may take before it rejects with `EntrypointWaiterTimeout`; 0 waits forever. Default 10 s. */
  readonly timeoutMs?: number;
  /**
   * The message's key (`ctx.messageKey`), as an RPC request's `reply_to` and correlation id
   * give it: two calls with the same key are two deliveries of one message (a redelivery, for
   * testing `@idempotent`). Default: none.
   */
  readonly messageKey?: string;
}

/** A function that runs an entrypoint's method in a worker; see {@link entrypointHook}. */
export type EntrypointHook<A extends readonly unknown[], R> = (...args: A) => Promise<R>;

/**
 * Returns a function that runs the entrypoint on method `method` of a running container in a real
 * worker, as the entrypoint itself would: a worker pool slot, a worker context (with
 * `contextData`), dependencies injected, worker hooks run. It resolves with the method's return
 * value, or rejects with what it threw, once the worker has been torn down. Works for every
 * entrypoint kind: `@rpc`, `@eventHandler` (pass the payload), `@http` (pass an `HttpRequest`
 * and the route's values), `@timer` (no arguments), `@consume` (pass the body). Nothing goes
 * over the broker: an RPC method sends no reply, an event is not acknowledged, no HTTP response
 * is written. Nameko's `entrypoint_hook`.
 *
 * Typed when the container's service class is known (`services.container(Gateway)`): the
 * method name is checked, and the hook takes the method's parameters and resolves with its
 * result.
 *
 * @throws ExtensionNotFound (at once) when the method has no entrypoint.
 * @example
 * const airport = entrypointHook(services.container(Gateway), "airport");
 * const response = await airport(new HttpRequest({ url: "/airports/LHR" }), "LHR");
 */
export function entrypointHook<S extends object, M extends EntrypointName<S>>(
  container: ServiceContainer<S>,
  method: M,
  options: EntrypointHookOptions = {},
): EntrypointHook<EntrypointArgs<S, M>, EntrypointResult<S, M>> {
  const entrypoint = findEntrypoint(container, method);
  return (...args) => runWorker(container, entrypoint, args, options) as Promise<EntrypointResult<S, M>>;
}

async function runWorker(
  container: ServiceContainer,
  entrypoint: Entrypoint,
  args: readonly unknown[],
  options: EntrypointHookOptions,
): Promise<unknown> {
  const where = `${container.serviceName}.${entrypoint.method}`;
  if (container.state !== "running")
    throw new Error(`Cannot run ${where}: the container is ${container.state}, not running`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_MS;
  const timeout = deadline(
    timeoutMs,
    () => new EntrypointWaiterTimeout(`Timeout on ${where} after ${timeoutMs} ms (the worker still runs)`),
  );
  // A killed container may never finish the worker (Nameko's hook also watches the container).
  const killed = container.closed.then((reason) => {
    if (reason !== undefined) throw reason;
    return new Promise<never>(() => undefined);
  });
  try {
    const run = await Promise.race([
      container.spawnWorker(entrypoint, args, options.contextData ?? {}, undefined, {
        messageKey: options.messageKey,
      }),
      timeout.expired,
      killed,
    ]);
    if (run.status === "not-started")
      throw new Error(`Cannot run ${where}: the container began stopping before a worker slot freed up`);
    const { outcome } = run;
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  } finally {
    timeout.clear();
  }
}

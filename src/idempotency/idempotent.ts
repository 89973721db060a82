/**
 * `@idempotent`: a method whose work is done once per message, however often the message is
 * delivered. At-least-once delivery reruns a handler when its process dies or loses its
 * connection before the message is acknowledged, possibly on another instance; the store
 * remembers which messages completed, and with what result.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { assertStandardDecorator } from "../core/metadata.js";
import { markWrapper } from "../core/signature.js";
import { type WorkerContext, workerContextOf } from "../core/worker-context.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { encodeJson } from "../wire/json.js";
import { IdempotentRunInProgress } from "./errors.js";
import type { IdempotencyStore } from "./idempotency-store.js";

/** Options of {@link idempotent}. Times in milliseconds. */
export interface IdempotentOptions {
  /**
   * The key that says two runs are the same work, from the method's arguments and the worker's
   * context. Default: the message's own key (`ctx.messageKey`), which only RPC requests carry
   * (their `reply_to` and correlation id, the same on every delivery). Give one for events,
   * `@consume`, HTTP and timers, or to make the caller's own retries one run too: an id in the
   * arguments (`(args) => String(args[0])`). Never `ctx.callId`: it is new on every run.
   */
  readonly key?: (args: readonly unknown[], ctx: WorkerContext) => string;
  /**
   * How long a run's lease holds the key. It is renewed every third of it while the run goes on,
   * so it bounds how long a run that died (its process killed) blocks the key, not how long a
   * run may take. Default 10 s.
   */
  readonly leaseMs?: number;
  /** How long a completed run's result is kept: redeliveries later than this run again. Default 24 h. */
  readonly ttlMs?: number;
  /**
   * How long a delivery that finds a run in progress waits for it (for its result, or for its
   * lease to run out, after which it takes over), before it fails with
   * `IdempotentRunInProgress`. At most the RPC caller's time left. Default 30 s.
   */
  readonly waitMs?: number;
}

/** A store, or how to find it on the service instance (an injected field). */
export type IdempotencyStoreSource<This> = IdempotencyStore | ((service: This) => IdempotencyStore);

const DEFAULT_LEASE_MS = 10_000;
const DEFAULT_TTL_MS = 24 * 60 * 60 * 1000;
const DEFAULT_WAIT_MS = 30_000;
/** The first and the longest pause between looks at a run in progress. */
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 500;

interface Settings {
  readonly leaseMs: number;
  readonly ttlMs: number;
  readonly waitMs: number;
}

/**
 * Makes a method idempotent: the first delivery of a message runs it and records its result in
 * `store`; every later delivery of that message (a redelivery after a connection cut, a copy run
 * by another instance) returns the recorded result instead of running it again. A run that
 * throws records nothing, so the next delivery runs it again. A delivery that arrives while the
 * first run is still going waits for it (see {@link IdempotentOptions.waitMs}).
 *
 * The result is recorded as JSON and a rerun returns it parsed, as an RPC caller would see it
 * anyway: return JSON values (a result JSON cannot hold fails the run with
 * `UnserializableValueError`, after the work is done). The work and its record are two steps,
 * not one transaction: docs/reliability.md says what that leaves to the method.
 *
 * Outside a worker (an instance from `workerFactory` in a unit test) the method runs as written.
 * Goes above or below the entrypoint decorator.
 *
 * @param store - the store, or a function that reads it from the instance:
 *   `(trips: TripsService) => trips.idempotency` with `idempotency = idempotencyStore()` from
 *   `enoki/redis`.
 * @throws ConfigurationError (when declared) for an option that is not a positive number.
 * @example
 * @rpc
 * @idempotent((trips: TripsService) => trips.idempotency)
 * async create(from: string, to: string) { ... }
 */
export function idempotent<This extends object>(
  store: IdempotencyStoreSource<This>,
  options: IdempotentOptions = {},
): <A extends unknown[], R>(
  method: (this: This, ...args: A) => Promise<R>,
  context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => Promise<R>>,
) => (this: This, ...args: A) => Promise<R> {
  const settings: Settings = {
    leaseMs: positive(options.leaseMs, DEFAULT_LEASE_MS, "leaseMs"),
    ttlMs: positive(options.ttlMs, DEFAULT_TTL_MS, "ttlMs"),
    waitMs: positive(options.waitMs, DEFAULT_WAIT_MS, "waitMs"),
  };
  return function decorate<A extends unknown[], R>(
    method: (this: This, ...args: A) => Promise<R>,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: A) => Promise<R>>,
  ): (this: This, ...args: A) => Promise<R> {
    assertStandardDecorator(context, "idempotent");
    if (context.kind !== "method" || typeof context.name !== "string" || context.static) {
      throw new ConfigurationError("@idempotent goes on a named, non-static method");
    }
    const name = context.name;
    const wrapper = async function (this: This, ...args: A): Promise<R> {
      const ctx = workerContextOf(this);
      if (ctx === undefined) return method.apply(this, args);
      const key = `${ctx.serviceName}.${name}:${runKey(ctx, name, args, options.key)}`;
      const resolved = typeof store === "function" ? store(this) : store;
      return (await runOnce(resolved, key, ctx, settings, () => method.apply(this, args))) as R;
    };
    markWrapper(wrapper, method);
    return wrapper;
  };
}

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(
      `@idempotent: ${what} must be a positive number of milliseconds, got ${value}`,
    );
  }
  return value;
}

/** The key of this run, without the service and method. */
function runKey(
  ctx: WorkerContext,
  method: string,
  args: readonly unknown[],
  key: IdempotentOptions["key"],
): string {
  if (key !== undefined) {
    const chosen = key(args, ctx);
    if (typeof chosen !== "string" || chosen === "") {
      throw new ConfigurationError(`@idempotent ${ctx.serviceName}.${method}: its key function gave no key`);
    }
    return chosen;
  }
  // Called from another method of the worker, the message's key is that method's message.
  if (ctx.method === method && ctx.messageKey !== undefined) return ctx.messageKey;
  throw new ConfigurationError(
    `@idempotent ${ctx.serviceName}.${method}: this run has no key that stays the same on a ` +
      `redelivery (only an RPC request, run as its own entrypoint, has one): give the option ` +
      `key, such as key: (args) => String(args[0])`,
  );
}

/** Runs `work` unless a run of `key` completed (its result) or is in progress (waits for it). */
async function runOnce(
  store: IdempotencyStore,
  key: string,
  ctx: WorkerContext,
  settings: Settings,
  work: () => Promise<unknown>,
): Promise<unknown> {
  const startedAt = Date.now();
  const waitMs = Math.min(settings.waitMs, ctx.remainingMs);
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
    const claim = await store.begin(key, settings.leaseMs);
    if (claim.state === "done") return decode(claim.result);
    if (claim.state === "started") return holdWhileRunning(store, key, claim.token, settings, work);
    const waited = Date.now() - startedAt;
    if (waited + pause > waitMs) throw new IdempotentRunInProgress(key, waited);
    await sleep(pause, undefined, { signal: ctx.signal });
  }
}

/** Runs `work` holding the lease (renewed as it goes), then records its result or lets go. */
async function holdWhileRunning(
  store: IdempotencyStore,
  key: string,
  token: string,
  settings: Settings,
  work: () => Promise<unknown>,
): Promise<unknown> {
  // A failed renewal is not the run's failure: at worst another delivery takes the key over.
  const renew = setInterval(
    () => void store.renew(key, token, settings.leaseMs).catch(() => undefined),
    settings.leaseMs / 3,
  );
  renew.unref();
  let result: unknown;
  let encoded: string;
  try {
    result = await work();
    encoded = encode(result);
  } catch (err) {
    clearInterval(renew);
    // Unrecorded, the lease runs out by itself if this fails too.
    await store.abandon(key, token).catch(() => undefined);
    throw err;
  }
  clearInterval(renew);
  await store.complete(key, token, encoded, settings.ttlMs);
  return result;
}

/**
 * The result as recorded: the JSON an RPC reply carries (`undefined` is `null`, as in a reply).
 * @throws UnserializableValueError for what JSON would drop or mangle (a Map, a BigInt).
 */
function encode(result: unknown): string {
  return encodeJson(result).toString("utf8");
}

function decode(recorded: string): unknown {
  return JSON.parse(recorded);
}

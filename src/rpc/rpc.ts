/**
 * The `@rpc` entrypoint.
 */

import type { Entrypoint } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import { type AnyMethodContext, addEntrypoint } from "../core/service.js";
import type { Signature } from "../core/signature.js";
import type { WorkerContext } from "../core/worker-context.js";
import { Backoff } from "../messaging/backoff.js";
import { type RetryOptions, RetryPolicy } from "../messaging/retry-policy.js";
import type { SpanPayload, SpanPayloadOptions } from "../tracing/span-payload.js";
import { DeadlineExceeded } from "../wire/remote-errors.js";
import { RpcConsumer } from "./rpc-consumer.js";

/**
 * Options of `@rpc`. `traceArgs`, `traceResult` and `sensitiveArguments` say what the call's
 * span records (nothing by default: see docs/observability.md).
 */
export interface RpcOptions extends SpanPayloadOptions {
  /**
   * Error classes that are part of the method's contract (Nameko's `expected_exceptions`, the
   * option `@http` has too):
   * logged as warnings rather than errors. The reply is the same.
   */
  expectedErrors?: readonly Function[];
  /** A shorter name for {@link RpcOptions.expectedErrors} (`@http` takes `expectedErrors`). */
  expected?: readonly Function[];
  /**
   * Refuse to start a call whose caller's deadline (the `nameko.deadline` header) has already
   * passed, when the request arrives or while it waits for a `max_workers` slot: the caller has
   * given up, so the work would be wasted, or worse, done twice when the caller retries. The
   * request is answered with `DeadlineExceeded` and the method does not run.
   * Off by default; calls without a deadline (from Python, or without a timeout) always run.
   */
  refuseExpired?: boolean;
  /**
   * Run a failed call again, after a delay spent in a queue of the broker (so it survives this
   * process), as nameko-amqp-retry's `@rpc` does: the errors `retryOn` names (default every
   * error) and a thrown `Backoff` retry, up to `attempts` runs (`MESSAGE_MAX_ATTEMPTS` by
   * default). The caller waits for the final result; after the last attempt it gets `Expired`
   * (nameko-amqp-retry's error) instead of the method's error. Give the caller a timeout longer
   * than the whole schedule. Off by default: a failed call answers with its error at once.
   */
  retry?: RetryOptions;
}

/**
 * Exposes a method over RPC, as `<service>.<method>` on the broker. Positional arguments and
 * keyword arguments from Python callers both bind to its parameters (by position and by name).
 *
 * @example
 * @rpc async hello(name: string) { return `Hello, ${name}!`; }
 * @rpc({ expectedErrors: [NotFound] }) async get(id: string) { ... }
 * @rpc({ refuseExpired: true }) async book(trip: Trip) { ... }
 * @rpc({ traceArgs: true, sensitiveArguments: ["password"] }) async login(user: string, password: string) { ... }
 */
export function rpc(method: Function, context: AnyMethodContext): void;
export function rpc(options: RpcOptions): (method: Function, context: AnyMethodContext) => void;
export function rpc(
  methodOrOptions: Function | RpcOptions,
  context?: AnyMethodContext,
): undefined | ((method: Function, context: AnyMethodContext) => void) {
  if (typeof methodOrOptions === "function") {
    decorate(methodOrOptions, context as AnyMethodContext, {});
    return undefined;
  }
  return (method, ctx) => decorate(method, ctx, methodOrOptions);
}

function decorate(method: Function, context: AnyMethodContext, options: RpcOptions): void {
  if (options.retry !== undefined) new RetryPolicy(options.retry, `@rpc ${String(context.name)}`); // checked now
  addEntrypoint(
    "rpc",
    method,
    context,
    (container, signature) => new RpcEntrypoint(container, signature, options),
  );
}

/** One RPC method of a running service. */
export class RpcEntrypoint implements Entrypoint {
  readonly kind = "rpc";
  readonly name: string;
  readonly method: string;
  readonly signature: Signature;
  readonly expected: readonly Function[];
  readonly refuseExpired: boolean;
  readonly spanPayload: SpanPayload | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly #consumer: RpcConsumer;

  constructor(container: ExtensionHost, signature: Signature, options: RpcOptions) {
    this.method = signature.method;
    this.name = `rpc ${container.serviceName}.${signature.method}`;
    this.signature = signature;
    const expected = options.expectedErrors ?? options.expected ?? [];
    // With retries, Backoff is a request to run again (nameko-amqp-retry expects it too).
    this.expected = options.retry === undefined ? expected : [...expected, Backoff];
    this.refuseExpired = options.refuseExpired ?? false;
    this.spanPayload = spanPayload(signature, options);
    this.retry = options.retry === undefined ? undefined : new RetryPolicy(options.retry, this.name);
    this.#consumer = container.shared("rpc-consumer", () => new RpcConsumer(container));
  }

  /** With `refuseExpired`, a call whose caller's deadline passed while it waited for a slot. */
  refuseWorker(ctx: WorkerContext): Error | undefined {
    if (!this.refuseExpired || ctx.deadline === undefined || ctx.remainingMs > 0) return undefined;
    const late = Date.now() - ctx.deadline;
    return new DeadlineExceeded(
      `The caller's deadline passed ${late} ms before ${ctx.serviceName}.${this.method} could start; it was not run`,
    );
  }

  // Registered at setup, not when built: an entrypoint removed before start (restrictEntrypoints)
  // must not answer calls.
  async setup(): Promise<void> {
    this.#consumer.register(this);
  }

  async stop(): Promise<void> {
    await this.#consumer.unregister(this);
  }
}

/** What the call's span records, or `undefined` for nothing but the call itself (the default). */
function spanPayload(signature: Signature, options: RpcOptions): SpanPayload | undefined {
  const { traceArgs, traceResult, sensitiveArguments } = options;
  if (!traceArgs && !traceResult) return undefined;
  const argumentNames = signature.params.map((p) => p.name);
  return { traceArgs, traceResult, sensitiveArguments, argumentNames };
}

/**
 * The extension lifecycle every entrypoint, dependency provider and shared extension follows:
 * `setup → start → stop → kill`, ordered by the container.
 */
import type { SpanPayload } from "../tracing/span-payload.js";
import type { WorkerContext } from "./worker-context.js";

/** Something with a lifecycle, owned by a container. All phases are optional. */
export interface Extension {
  /** A name for logs and errors, such as `rpc greeting_service.hello`. */
  readonly name: string;
  /** Declare queues, bind sockets: prepare, but take no work yet. */
  setup?(): Promise<void>;
  /** Begin consuming, listening or ticking. */
  start?(): Promise<void>;
  /** Graceful: stop taking work; what is in flight may finish. */
  stop?(): Promise<void>;
  /** Urgent: drop everything. Unfinished messages go back to their queue. Must not reject. */
  kill?(reason: Error): Promise<void>;
}

/**
 * The kinds of Enoki's own entrypoints (Nameko's names where it has them); an extension's
 * entrypoint names its own.
 */
export type EntrypointKind = "rpc" | "event_handler" | "consume" | "http" | "timer" | (string & {});

/** What starts workers: `@rpc`, `@eventHandler`, `@http`, `@timer`, `@consume`. */
export interface Entrypoint extends Extension {
  /** What kind of entrypoint this is, for logs, traces and metrics. */
  readonly kind: EntrypointKind;
  /** The service method this entrypoint calls. */
  readonly method: string;
  /** Error classes that are part of the method's contract: logged as warnings, not errors. */
  readonly expected: readonly Function[];
  /**
   * Asked once the worker has its `max_workers` slot, just before it would start: an error
   * returned here ends the worker with that error (the result handler gets it, a warning is
   * logged) without running the method, injecting dependencies or calling any dependency hook.
   * `@rpc({ refuseExpired: true })` uses it to refuse a call whose caller's deadline has passed.
   */
  refuseWorker?(ctx: WorkerContext): Error | undefined;
  /**
   * What the worker's span records of its arguments and result; nothing when absent (they may
   * hold secrets). `@rpc`, `@eventHandler` and `@consume` take it as options.
   */
  readonly spanPayload?: SpanPayload;
}

/** How a worker ended, as seen by dependency providers. */
export type WorkerOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

/** Called with a worker's outcome before dependency hooks run (an RPC reply, an ack). */
export type ResultHandler = (ctx: WorkerContext, outcome: WorkerOutcome) => void | Promise<void>;

/**
 * What became of a request for a worker (`spawnWorker`), which tells the entrypoint how to
 * settle its message:
 * - `finished`: the worker ran and its result handler was called;
 * - `not-started`: the container began stopping before a worker slot freed up; give the message
 *   back (requeue, 503) so another instance runs it;
 * - `killed`: the container was killed while the worker ran; its result handler was not called
 *   and the entrypoint settles nothing (closing the channel requeues the message).
 */
export type WorkerRun =
  | { readonly status: "finished"; readonly outcome: WorkerOutcome }
  | { readonly status: "not-started" }
  | { readonly status: "killed"; readonly outcome: WorkerOutcome };

/**
 * Provides a value to each worker (Nameko's `DependencyProvider`), with hooks around every call.
 * @typeParam T - the type of the value a worker sees.
 */
export interface DependencyProvider<T = unknown> extends Extension {
  /** The value injected into the worker's field. Called once per worker. */
  get(ctx: WorkerContext): T;
  workerSetup?(ctx: WorkerContext): void | Promise<void>;
  workerResult?(ctx: WorkerContext, outcome: WorkerOutcome): void | Promise<void>;
  workerTeardown?(ctx: WorkerContext): void | Promise<void>;
}

/** The lifecycle phases. */
export type Phase = "setup" | "start" | "stop" | "kill";

/**
 * The extension lifecycle every entrypoint, dependency provider and shared extension follows:
 * `setup → start → stop → kill`, ordered by the container.
 */
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

/** What starts workers: `@rpc`, `@eventHandler`, `@http`, `@timer`, `@consume`. */
export interface Entrypoint extends Extension {
  /** The service method this entrypoint calls. */
  readonly method: string;
  /** Error classes that are part of the method's contract: logged as warnings, not errors. */
  readonly expected: readonly Function[];
}

/** How a worker ended, as seen by dependency providers. */
export type WorkerOutcome = { ok: true; result: unknown } | { ok: false; error: unknown };

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

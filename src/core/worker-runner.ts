/**
 * One run of a worker, owned by the container: a fresh service instance with its dependencies
 * injected, the provider hooks around the method, the entrypoint's result handler, and the
 * listeners told when it is done. Entrypoints never repeat any of it: they get a
 * {@link WorkerRun} back and settle their message by its status.
 */
import { traceWorker } from "../tracing/worker-span.js";
import { diagnostics, type WorkerFinished } from "../util/diagnostics.js";
import type { Logger } from "../util/logger.js";
import type { DependencyProvider, Entrypoint, ResultHandler, WorkerOutcome, WorkerRun } from "./extension.js";
import type { SpawnOptions } from "./extension-host.js";
import { workerLogFields } from "./logger-dependency.js";
import type { OutgoingHeaders } from "./outgoing-headers.js";
import type { ServiceClass } from "./service.js";
import { type ContextData, linkWorkerContext, WorkerContext } from "./worker-context.js";

/** A worker that has finished: its result handled and its teardown hooks run. */
export interface FinishedWorker {
  readonly entrypoint: Entrypoint;
  readonly args: readonly unknown[];
  readonly context: WorkerContext;
  readonly outcome: WorkerOutcome;
}

/** Told about every worker that finishes (see `ServiceContainer.onWorkerDone`). */
export type WorkerDoneListener = (worker: FinishedWorker) => void;

/** What a {@link WorkerRunner} needs from its container. */
export interface WorkerRunnerInit {
  readonly serviceName: string;
  readonly serviceClass: ServiceClass;
  readonly parentCallsTracked: number;
  readonly logger: Logger;
  /** Aborted when the container is killed. */
  readonly killed: AbortSignal;
  readonly outgoingHeaders: OutgoingHeaders;
}

interface Hooks {
  readonly setup: readonly DependencyProvider[];
  readonly result: readonly DependencyProvider[];
  readonly teardown: readonly DependencyProvider[];
}

/** Runs workers of one service. */
export class WorkerRunner {
  readonly #init: WorkerRunnerInit;
  readonly #doneListeners = new Set<WorkerDoneListener>();
  #dependencies: ReadonlyMap<string, DependencyProvider> = new Map();
  #hooks: Hooks = { setup: [], result: [], teardown: [] };

  constructor(init: WorkerRunnerInit) {
    this.#init = init;
  }

  /** The providers injected into each worker (set again when a test replaces one). */
  useDependencies(dependencies: ReadonlyMap<string, DependencyProvider>): void {
    this.#dependencies = dependencies;
    const providers = [...dependencies.values()];
    this.#hooks = {
      setup: providers.filter((p) => p.workerSetup),
      result: providers.filter((p) => p.workerResult),
      teardown: providers.filter((p) => p.workerTeardown),
    };
  }

  // Most services have no result or teardown hook: their workers skip that await entirely.
  get #hasAfterHooks(): boolean {
    return this.#hooks.result.length > 0 || this.#hooks.teardown.length > 0;
  }

  /** Adds a listener told about every finished worker; returns its remover. */
  onDone(listener: WorkerDoneListener): () => void {
    this.#doneListeners.add(listener);
    return () => {
      this.#doneListeners.delete(listener);
    };
  }

  /**
   * Runs one worker to its end. Once the container is killed the result handler is not called
   * (the message must stay unsettled, so the broker gives it to another instance), and the
   * run's status is `killed`.
   */
  async run(
    entrypoint: Entrypoint,
    args: readonly unknown[],
    data: ContextData,
    handleResult?: ResultHandler,
    options?: SpawnOptions,
  ): Promise<WorkerRun> {
    const ctx = new WorkerContext({
      serviceName: this.#init.serviceName,
      method: entrypoint.method,
      entrypointKind: entrypoint.kind,
      data,
      parentCallsTracked: this.#init.parentCallsTracked,
      signal: this.#init.killed,
      outgoingHeaders: this.#init.outgoingHeaders,
      messageKey: options?.messageKey,
    });
    return traceWorker(
      () => ({
        service: this.#init.serviceName,
        method: entrypoint.method,
        kind: entrypoint.kind,
        data,
        args,
        isExpected: (error: unknown) => isExpected(entrypoint, error),
        payload: entrypoint.spanPayload,
      }),
      (workerSpan) => {
        ctx.useSpan(workerSpan);
        return this.#runInSpan(entrypoint, ctx, args, handleResult);
      },
      (run) => run.outcome,
    );
  }

  async #runInSpan(
    entrypoint: Entrypoint,
    ctx: WorkerContext,
    args: readonly unknown[],
    handleResult: ResultHandler | undefined,
  ): Promise<WorkerRun & { status: "finished" | "killed" }> {
    const refusal = entrypoint.refuseWorker?.(ctx);
    if (refusal !== undefined) {
      const where = { ...workerLogFields(ctx), entrypoint: entrypoint.name, err: briefly(refusal) };
      this.#init.logger.warn(where, `refused to start the worker: ${refusal.message}`);
    }
    const outcome: WorkerOutcome =
      refusal === undefined ? await this.#call(entrypoint, ctx, args) : { ok: false, error: refusal };
    if (diagnostics.workerFinished.hasSubscribers) this.#report(entrypoint, ctx, outcome);
    const killed = this.#init.killed.aborted;
    if (!killed) await this.#handle(ctx, outcome, handleResult);
    // A refused worker set nothing up: no dependency hook has anything to finish.
    if (refusal === undefined && this.#hasAfterHooks) await this.#afterHooks(ctx, outcome);
    if (this.#doneListeners.size > 0) this.#workerDone({ entrypoint, args, context: ctx, outcome });
    return killed ? { status: "killed", outcome } : { status: "finished", outcome };
  }

  async #call(entrypoint: Entrypoint, ctx: WorkerContext, args: readonly unknown[]): Promise<WorkerOutcome> {
    try {
      const worker = this.#createWorker(ctx);
      for (const p of this.#hooks.setup) await p.workerSetup?.(ctx);
      const method = (worker as Record<string, unknown>)[entrypoint.method] as (...a: unknown[]) => unknown;
      return { ok: true, result: await method.apply(worker, args as unknown[]) };
    } catch (error) {
      this.#logWorkerError(entrypoint, ctx, error);
      return { ok: false, error };
    }
  }

  #report(entrypoint: Entrypoint, ctx: WorkerContext, outcome: WorkerOutcome): void {
    const finished: WorkerFinished = {
      service: this.#init.serviceName,
      method: entrypoint.method,
      kind: entrypoint.kind,
      durationMs: performance.now() - ctx.startedAt,
      outcome: outcome.ok ? "ok" : isExpected(entrypoint, outcome.error) ? "expected_error" : "error",
    };
    diagnostics.workerFinished.publish(finished);
  }

  #createWorker(ctx: WorkerContext): object {
    const worker = new this.#init.serviceClass() as Record<string, unknown>;
    for (const [field, provider] of this.#dependencies) worker[field] = provider.get(ctx);
    linkWorkerContext(worker, ctx);
    return worker;
  }

  async #handle(ctx: WorkerContext, outcome: WorkerOutcome, handleResult: ResultHandler | undefined) {
    try {
      await handleResult?.(ctx, outcome);
    } catch (err) {
      this.#init.logger.error({ err, ...workerLogFields(ctx) }, "error handling worker result");
    }
  }

  async #afterHooks(ctx: WorkerContext, outcome: WorkerOutcome): Promise<void> {
    for (const p of this.#hooks.result)
      await this.#hook(p, "workerResult", ctx, () => p.workerResult?.(ctx, outcome));
    for (const p of this.#hooks.teardown)
      await this.#hook(p, "workerTeardown", ctx, () => p.workerTeardown?.(ctx));
  }

  async #hook(p: DependencyProvider, hook: string, ctx: WorkerContext, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.#init.logger.error({ err, ...workerLogFields(ctx), dependency: p.name }, `${hook} failed`);
    }
  }

  #workerDone(worker: FinishedWorker): void {
    for (const listener of this.#doneListeners) {
      try {
        listener(worker);
      } catch (err) {
        this.#init.logger.error({ err, callId: worker.context.callId }, "worker done listener failed");
      }
    }
  }

  #logWorkerError(entrypoint: Entrypoint, ctx: WorkerContext, error: unknown): void {
    const expected = isExpected(entrypoint, error);
    const where = { ...workerLogFields(ctx), entrypoint: entrypoint.name };
    // An expected error is the caller's doing (a bad id, a missing field): its stack says nothing.
    if (expected) this.#init.logger.warn({ ...where, err: briefly(error) }, "expected error in worker");
    else this.#init.logger.error({ ...where, err: error }, "error in worker");
  }
}

function isExpected(entrypoint: Entrypoint, error: unknown): boolean {
  return entrypoint.expected.some((cls) => error instanceof cls);
}

/** An error's type and message, without its stack (the type as pino names it: the class name). */
function briefly(error: unknown): { type: string; message: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  return { type: error.constructor?.name || error.name, message: error.message };
}

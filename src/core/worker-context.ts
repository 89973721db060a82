/**
 * The context of one worker: its call id, the chain of calls that led to it, and the context data
 * (`nameko.*` headers) it passes on to every call and event it makes.
 */
import { randomUUID } from "node:crypto";
import { type Span, type SpanContext, validSpanIds } from "../tracing/span-ids.js";
import { CALL_ID_STACK_KEY, contextHeaders, DEADLINE_KEY, readDeadline } from "../wire/context-headers.js";
import { callId } from "../wire/names.js";
import { OutgoingHeaders, type OutgoingMessage } from "./outgoing-headers.js";

/** Context data as it travels: header names without the `nameko.` prefix. */
export type ContextData = Readonly<Record<string, unknown>>;

/** What the container knows when it creates a worker context. */
export interface WorkerContextInit {
  readonly serviceName: string;
  readonly method: string;
  /** The kind of entrypoint that started the worker (`rpc`, `event_handler`, `http`, ...). */
  readonly entrypointKind?: string;
  /** Incoming context data, `call_id_stack` included if the message carried one. */
  readonly data: ContextData;
  /** How many parent call ids to keep (Nameko's `parent_calls_tracked`). */
  readonly parentCallsTracked: number;
  readonly signal: AbortSignal;
  /** What extensions add to outgoing headers (the container's); none when absent. */
  readonly outgoingHeaders?: OutgoingHeaders;
  /** What identifies the incoming message across redeliveries; see {@link WorkerContext.messageKey}. */
  readonly messageKey?: string;
}

const NO_CONTRIBUTORS = new OutgoingHeaders();

/** The context of one worker (one run of one entrypoint). */
export class WorkerContext {
  readonly serviceName: string;
  /** The entrypoint method. */
  readonly method: string;
  /** The kind of entrypoint that started this worker (`rpc`, `event_handler`, `http`, ...). */
  readonly entrypointKind: string;
  /** When the worker started, in `performance.now()` milliseconds (for durations). */
  readonly startedAt: number;
  /** `<service>.<method>.<uuid>`. */
  readonly callId: string;
  /** Parent call ids, oldest first, ending with this worker's own {@link callId}. */
  readonly callIdStack: readonly string[];
  /**
   * Context data without `call_id_stack` and `deadline`: language, user_id, auth_token and
   * anything else.
   */
  readonly data: ContextData;
  /**
   * When the caller stops waiting, in epoch milliseconds (`Date.now()`'s clock), or `undefined`
   * when nobody set a deadline (a Python caller, a call without a timeout, and every entrypoint
   * other than `rpc`: an event or an HTTP request has no caller waiting on the broker). The calls
   * this worker makes wait no longer than it. See {@link remainingMs}.
   */
  readonly deadline: number | undefined;
  /** Aborted when the container is killed while this worker runs. */
  readonly signal: AbortSignal;
  /**
   * What identifies the message this worker runs, the same on every delivery of it: for an RPC
   * request, `<reply_to>:<correlation id>` (which the caller chose once; a copy the broker
   * delivers again, to this instance or another, carries them unchanged). `undefined` when the
   * entrypoint gives none (events, `@consume`, HTTP, timers). Unlike {@link callId}, which is
   * new on every run, it is a key for recognising a rerun (`@idempotent` uses it).
   */
  readonly messageKey: string | undefined;
  #headers: Record<string, unknown> | undefined;
  readonly #outgoing: OutgoingHeaders;
  #span: Span | undefined;

  constructor(init: WorkerContextInit) {
    this.serviceName = init.serviceName;
    this.method = init.method;
    this.entrypointKind = init.entrypointKind ?? "unknown";
    this.startedAt = performance.now();
    this.#outgoing = init.outgoingHeaders ?? NO_CONTRIBUTORS;
    this.callId = callId(init.serviceName, init.method, randomUUID());
    const { [CALL_ID_STACK_KEY]: incoming, [DEADLINE_KEY]: deadline, ...data } = init.data;
    this.data = data;
    // Only a caller waiting for a reply has a deadline. An event dispatched by a Python worker
    // carries its context data, the deadline included: it does not bind the handler.
    this.deadline = this.entrypointKind === "rpc" ? readDeadline(deadline) : undefined;
    this.callIdStack = [...parentStack(incoming, init.parentCallsTracked), this.callId];
    this.signal = init.signal;
    this.messageKey = init.messageKey;
  }

  /**
   * Milliseconds until {@link deadline}: 0 once it has passed, `Infinity` when there is none.
   * @example if (this.ctx.remainingMs < 500) return cachedAnswer;
   */
  get remainingMs(): number {
    return this.deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.deadline - Date.now());
  }

  /**
   * The worker's OpenTelemetry span, for attributes and events of the service's own
   * (`this.ctx.span?.setAttribute(...)`); `undefined` before the worker starts and when nothing
   * is registered with OpenTelemetry (no SDK: there is nothing to record, so Enoki makes no span).
   * The method also runs inside its context, so `trace.getActiveSpan()` finds it.
   */
  get span(): Span | undefined {
    return this.#span;
  }

  /**
   * The worker span's ids, when it has valid ones (an SDK is registered, or the message carried
   * a trace context): what log lines carry to join their trace.
   */
  get traceIds(): SpanContext | undefined {
    return validSpanIds(this.#span);
  }

  /**
   * Gives the worker its span; called once, by the worker runner.
   * @internal
   */
  useSpan(span: Span | undefined): void {
    this.#span = span;
  }

  /** The first call id of the chain, or `undefined` when this worker started it. */
  get originCallId(): string | undefined {
    return this.callIdStack.length > 1 ? this.callIdStack[0] : undefined;
  }

  /** The call id of the caller, or `undefined` when this worker started the chain. */
  get immediateParentCallId(): string | undefined {
    return this.callIdStack.length > 1 ? this.callIdStack[this.callIdStack.length - 2] : undefined;
  }

  /** The `nameko.*` headers every message this worker sends carries. */
  get headers(): Readonly<Record<string, unknown>> {
    this.#headers ??= contextHeaders(this.data, this.callIdStack);
    return this.#headers;
  }

  /** The headers of one message this worker sends: {@link headers} and what extensions add. */
  headersFor(message: OutgoingMessage): Readonly<Record<string, unknown>> {
    return this.#outgoing.make(this.headers, message);
  }
}

const CONTEXT_OF_WORKER = new WeakMap<object, WorkerContext>();

/**
 * Links a worker (the service instance made for one run) to its context; called by the worker
 * runner as it creates the instance.
 * @internal
 */
export function linkWorkerContext(worker: object, ctx: WorkerContext): void {
  CONTEXT_OF_WORKER.set(worker, ctx);
}

/**
 * The context of the worker a service instance was made for, or `undefined` for an instance no
 * container made (`workerFactory` in unit tests). What method wrappers such as `@idempotent`
 * read, as they get the instance (`this`) but no injected field.
 */
export function workerContextOf(worker: object): WorkerContext | undefined {
  return CONTEXT_OF_WORKER.get(worker);
}

/** The last `tracked` call ids of an incoming `call_id_stack` (as Nameko keeps them). */
export function parentStack(incoming: unknown, tracked: number): string[] {
  // Nameko splits a string stack into characters; a single call id is the sane reading.
  const stack = Array.isArray(incoming)
    ? incoming.map(String)
    : typeof incoming === "string"
      ? [incoming]
      : [];
  return tracked <= 0 ? [] : stack.slice(-tracked);
}

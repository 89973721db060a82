/**
 * The span of a worker: one per entrypoint run, named and described as
 * opentelemetry-instrumentation-nameko names them (`<service>.<method>`, attributes
 * `service_name`, `entrypoint_type`, `method_name`), continuing the trace its message carried.
 * The method runs inside the span's context, so the calls, events and log lines it makes belong
 * to it.
 */
import { hostname } from "node:os";
import type { Attributes, Span, SpanKind } from "@opentelemetry/api";
import { recordError } from "./record-error.js";
import { SPAN_KIND } from "./span-kind.js";
import { argumentAttributes, resultAttributes, type SpanPayload } from "./span-payload.js";
import { extractFromContextData, extractFromHeaders } from "./trace-carrier.js";
import { type OpenTelemetry, openTelemetry, tracerOf } from "./tracer.js";

/** How a traced run ended. */
export interface TracedOutcome {
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: unknown;
}

/** What a worker span is made from. */
export interface WorkerSpanInit {
  readonly service: string;
  readonly method: string;
  /** The entrypoint kind: `rpc`, `event_handler`, `consume`, `http`, `timer`, or an extension's. */
  readonly kind: string;
  /** The incoming context data, which may carry a trace context. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly args: readonly unknown[];
  /** Whether an error is part of the method's contract: recorded, but the span is not failed. */
  readonly isExpected: (error: unknown) => boolean;
  /** What to record of arguments and result; nothing when absent. */
  readonly payload?: SpanPayload | undefined;
}

/** Span kinds of Enoki's entrypoints; an extension's entrypoint gets `SERVER`, as in Nameko. */
const KINDS: Readonly<Record<string, SpanKind>> = {
  event_handler: SPAN_KIND.CONSUMER,
  consume: SPAN_KIND.CONSUMER,
};

/** Nameko's class names for `entrypoint_type`, so a mixed fleet's spans filter alike. */
const NAMEKO_TYPES: Readonly<Record<string, string>> = {
  rpc: "Rpc",
  event_handler: "EventHandler",
  consume: "Consumer",
  http: "HttpRequestHandler",
  timer: "Timer",
};

const HOSTNAME = hostname();

/**
 * Runs `run` inside a new worker span and ends the span with the run's outcome. `run` gets the
 * span, or `undefined` when nothing is registered with OpenTelemetry (then there is no span, and
 * `initOf` is not called: a worker that is not traced pays for no span description, nor for an
 * extra promise around its run).
 */
export function traceWorker<R>(
  initOf: () => WorkerSpanInit,
  run: (span: Span | undefined) => Promise<R>,
  outcomeOf: (result: R) => TracedOutcome,
): Promise<R> {
  const otel = openTelemetry();
  if (otel === undefined) return run(undefined);
  return runInWorkerSpan(otel, initOf(), run, outcomeOf);
}

async function runInWorkerSpan<R>(
  otel: OpenTelemetry,
  init: WorkerSpanInit,
  run: (span: Span | undefined) => Promise<R>,
  outcomeOf: (result: R) => TracedOutcome,
): Promise<R> {
  const parent = extractFromContextData(otel, init.data);
  const span = tracerOf(otel).startSpan(
    `${init.service}.${init.method}`,
    { kind: KINDS[init.kind] ?? SPAN_KIND.SERVER },
    parent,
  );
  if (span.isRecording()) span.setAttributes(startAttributes(init));
  try {
    const result = await otel.context.with(otel.trace.setSpan(parent, span), run, undefined, span);
    if (span.isRecording()) endWorkerSpan(span, init, outcomeOf(result));
    return result;
  } finally {
    span.end();
  }
}

function startAttributes(init: WorkerSpanInit): Attributes {
  const attributes: Attributes = {
    service_name: init.service,
    entrypoint_type: NAMEKO_TYPES[init.kind] ?? init.kind,
    method_name: init.method,
    hostname: HOSTNAME,
    ...SEMANTIC[init.kind]?.(init),
  };
  if (init.payload?.traceArgs) Object.assign(attributes, argumentAttributes(init.payload, init.args));
  return attributes;
}

/** OpenTelemetry's RPC and messaging conventions, alongside the Nameko instrumentation's names. */
const SEMANTIC: Readonly<Record<string, (init: WorkerSpanInit) => Attributes>> = {
  rpc: (init) => ({
    "rpc.system": "nameko",
    "rpc.service": init.service,
    "rpc.method": init.method,
    "messaging.system": "rabbitmq",
  }),
  event_handler: () => ({ "messaging.system": "rabbitmq", "messaging.operation": "process" }),
  consume: () => ({ "messaging.system": "rabbitmq", "messaging.operation": "process" }),
};

function endWorkerSpan(span: Span, init: WorkerSpanInit, outcome: TracedOutcome): void {
  if (outcome.ok) {
    if (init.payload?.traceResult) span.setAttributes(resultAttributes(outcome.result));
    return;
  }
  recordError(span, outcome.error, init.isExpected(outcome.error));
}

/**
 * A span for an RPC request refused before any worker ran (`MethodNotFound`,
 * `IncorrectSignature`, `MalformedRequest`, an expired deadline): named as the call's worker span
 * would be, in the trace its headers carry, failed with the error the caller gets.
 */
export function traceRefusedRequest(
  name: string,
  headers: Readonly<Record<string, unknown>> | undefined,
  error: unknown,
): void {
  const otel = openTelemetry();
  if (otel === undefined) return;
  const span = tracerOf(otel).startSpan(name, { kind: SPAN_KIND.SERVER }, extractFromHeaders(otel, headers));
  if (span.isRecording()) {
    span.setAttributes({ "rpc.system": "nameko", "messaging.system": "rabbitmq" });
    recordError(span, error, false);
  }
  span.end();
}

/**
 * Trace context on the wire, as opentelemetry-instrumentation-nameko carries it: the W3C
 * `traceparent`/`tracestate` pair (whatever the registered propagator writes) goes into the
 * call's context data, so it travels as `nameko.traceparent`/`nameko.tracestate` headers. Plain
 * Nameko forwards every `nameko.*` header with the calls a worker makes, so a trace passing
 * through a Python service without the instrumentation still joins up on the other side.
 */
import type { Context, TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import { setOwn } from "../util/set-own.js";
import { CALL_ID_STACK_HEADER, HEADER_PREFIX } from "../wire/context-headers.js";
import type { OpenTelemetry } from "./tracer.js";

/** The context-data keys a W3C propagator writes. */
const TRACE_KEYS = ["traceparent", "tracestate"] as const;
const TRACE_HEADERS = new Set(TRACE_KEYS.map((key) => HEADER_PREFIX + key));

const dataGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = Object.hasOwn(carrier, key) ? carrier[key] : undefined;
    return typeof value === "string" ? value : undefined;
  },
};

const headerGetter: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) =>
    Object.keys(carrier)
      .filter((k) => k.startsWith(HEADER_PREFIX))
      .map((k) => k.slice(HEADER_PREFIX.length)),
  get: (carrier, key) => dataGetter.get(carrier, HEADER_PREFIX + key),
};

const recordSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The trace context carried by context data (header names without `nameko.`). */
export function extractFromContextData(
  otel: OpenTelemetry,
  data: Readonly<Record<string, unknown>>,
): Context {
  return otel.propagation.extract(otel.ROOT_CONTEXT, data, dataGetter);
}

/** The trace context carried by a message's raw headers (`nameko.traceparent`, ...). */
export function extractFromHeaders(
  otel: OpenTelemetry,
  headers: Readonly<Record<string, unknown>> | undefined,
): Context {
  const root = otel.ROOT_CONTEXT;
  return headers === undefined ? root : otel.propagation.extract(root, headers, headerGetter);
}

/**
 * `headers` (outgoing `nameko.*` headers) carrying `ctx`'s trace context. When the propagator
 * writes nothing (none registered, or no valid span) they are returned as they are, so what
 * the worker received is forwarded unchanged, as Nameko forwards it.
 */
export function injectIntoHeaders(
  otel: OpenTelemetry,
  headers: Readonly<Record<string, unknown>>,
  ctx: Context,
): Readonly<Record<string, unknown>> {
  const written: Record<string, string> = {};
  otel.propagation.inject(ctx, written, recordSetter);
  const keys = Object.keys(written);
  if (keys.length === 0) return headers;
  // Rebuilt rather than patched: a tracestate received from upstream must not ride along with a
  // new traceparent, and the call id stack stays the last header, where Nameko writes it.
  const out: Record<string, unknown> = {};
  const put = () => {
    for (const key of keys) out[HEADER_PREFIX + key] = written[key];
  };
  for (const [key, value] of Object.entries(headers)) {
    if (key === CALL_ID_STACK_HEADER) put();
    if (!TRACE_HEADERS.has(key)) setOwn(out, key, value);
  }
  if (!(CALL_ID_STACK_HEADER in headers)) put();
  return out;
}

/**
 * The W3C trace headers of an HTTP request, as context data: an `@http` worker then continues
 * the caller's trace, and passes it on with the calls it makes.
 */
export function traceDataFromHttp(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string> {
  const data: Record<string, string> = {};
  for (const key of TRACE_KEYS) {
    const value = headers[key];
    if (typeof value === "string") data[key] = value;
  }
  return data;
}

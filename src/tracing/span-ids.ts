/** The ids of a span, as logs and response headers carry them. */
import type { Span, SpanContext } from "@opentelemetry/api";
import { openTelemetry } from "./tracer.js";

export type { Span, SpanContext };

/** `span`'s ids when they are valid (an SDK records it, or it carries an incoming trace). */
export function validSpanIds(span: Span | undefined): SpanContext | undefined {
  const ids = span?.spanContext();
  return ids !== undefined && openTelemetry()?.isSpanContextValid(ids) ? ids : undefined;
}

/**
 * The W3C `traceresponse` header value (Trace Context Level 2): the trace and span an HTTP
 * response belongs to, so a client can find the trace of its request.
 */
export function traceResponseHeader(ids: SpanContext): string {
  return `00-${ids.traceId}-${ids.spanId}-${(ids.traceFlags & 1).toString(16).padStart(2, "0")}`;
}

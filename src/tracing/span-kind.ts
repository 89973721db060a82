/** OpenTelemetry's span kinds and status codes, usable before (or without) loading the API. */
import type { SpanKind, SpanStatusCode } from "@opentelemetry/api";

// The API's enum values, which are part of its stable contract (they travel in OTLP).
/** `SpanKind` values. */
export const SPAN_KIND = {
  SERVER: 1 as SpanKind.SERVER,
  CLIENT: 2 as SpanKind.CLIENT,
  PRODUCER: 3 as SpanKind.PRODUCER,
  CONSUMER: 4 as SpanKind.CONSUMER,
} as const;

/** The `SpanStatusCode` of a failed span. */
export const STATUS_ERROR = 2 as SpanStatusCode.ERROR;

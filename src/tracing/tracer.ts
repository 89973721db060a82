/**
 * Enoki's tracer, from `@opentelemetry/api`'s global provider. The API is loaded only once
 * something has registered with it (an SDK, a propagator, a context manager): until then there is
 * nothing to record, and a process that traces nothing neither loads its 44 modules at start nor
 * pays for no-op spans on every call. An SDK registered after Enoki loaded is found on the next
 * span.
 */
import { createRequire } from "node:module";
import type * as OpenTelemetryApi from "@opentelemetry/api";
import type { Tracer } from "@opentelemetry/api";

/** The `@opentelemetry/api` module. */
export type OpenTelemetry = typeof OpenTelemetryApi;

/** The instrumentation scope Enoki's spans carry. */
export const TRACER_NAME = "enoki";

// Where the API (any copy of major version 1, ESM or CommonJS) keeps what was registered with it;
// absent until the first registration.
const REGISTRY = Symbol.for("opentelemetry.js.api.1");

let api: OpenTelemetry | undefined;
let enokiTracer: Tracer | undefined;

/** The OpenTelemetry API, or `undefined` while nothing is registered with it. */
export function openTelemetry(): OpenTelemetry | undefined {
  if (api === undefined) {
    if ((globalThis as Record<symbol, unknown>)[REGISTRY] === undefined) return undefined;
    api = createRequire(import.meta.url)("@opentelemetry/api") as OpenTelemetry;
  }
  return api;
}

/**
 * Enoki's tracer: a proxy that follows whatever provider is registered globally, before or after
 * this module loads.
 */
export function tracerOf(otel: OpenTelemetry): Tracer {
  enokiTracer ??= otel.trace.getTracer(TRACER_NAME);
  return enokiTracer;
}

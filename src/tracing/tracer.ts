/**
 * Enoki's tracer. It comes from `@opentelemetry/api`'s global provider, which is a no-op until
 * the application registers an SDK: then every span below starts recording, with no change in
 * Enoki or in the services.
 */
import { trace } from "@opentelemetry/api";

/** The instrumentation scope Enoki's spans carry. */
export const TRACER_NAME = "enoki";

/**
 * Enoki's tracer: a proxy that follows whatever provider is registered globally, before or after
 * this module loads.
 */
export const tracer = trace.getTracer(TRACER_NAME);

/**
 * The `logger` dependency: the container's logger, bound to the worker, so every line a service
 * writes says which call it belongs to (as Enoki's own worker lines do) and joins the logs of
 * the services the call went through.
 */
import type { Logger } from "../util/logger.js";
import { dependency, type Injected } from "./dependency.js";
import type { WorkerContext } from "./worker-context.js";

/** The fields of {@link workerLogFields}. */
export type WorkerLogFields = {
  callId: string;
  parentCallId?: string;
  trace_id?: string;
  span_id?: string;
};

/**
 * The fields every log line written inside a worker carries: its call id, the call id of its
 * caller (the call id stack's parent) when it has one, and its span's `trace_id` and `span_id`
 * when it has a trace (OpenTelemetry's names for them in logs), so logs and traces join.
 */
export function workerLogFields(ctx: WorkerContext): WorkerLogFields {
  const fields: WorkerLogFields = { callId: ctx.callId };
  const parent = ctx.immediateParentCallId;
  if (parent !== undefined) fields.parentCallId = parent;
  const ids = ctx.traceIds;
  if (ids !== undefined) {
    fields.trace_id = ids.traceId;
    fields.span_id = ids.spanId;
  }
  return fields;
}

/**
 * Declares a field that gives each worker a logger whose lines carry `callId`,
 * `parentCallId`, `trace_id` and `span_id` (see {@link workerLogFields}; and the service's name, as all of a container's lines do).
 *
 * @example
 * log = logger();
 * @rpc create(name: string) { this.log.info({ name }, "creating an airport"); ... }
 */
export function logger(): Injected<Logger> {
  return dependency<Logger>("logger()", (host) => ({
    name: "logger()",
    get: (ctx) => host.logger.child(workerLogFields(ctx)),
  }));
}

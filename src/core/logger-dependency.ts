/**
 * The `logger` dependency: the container's logger, bound to the worker, so every line a service
 * writes says which call it belongs to (as Enoki's own worker lines do) and joins the logs of
 * the services the call went through.
 */
import type { Logger } from "../util/logger.js";
import { dependency, type Injected } from "./dependency.js";
import type { WorkerContext } from "./worker-context.js";

/**
 * The fields every log line written inside a worker carries: its call id and the call id of its
 * caller (the call id stack's parent), when it has one.
 */
export function workerLogFields(ctx: WorkerContext): { callId: string; parentCallId?: string } {
  const parent = ctx.immediateParentCallId;
  return parent === undefined ? { callId: ctx.callId } : { callId: ctx.callId, parentCallId: parent };
}

/**
 * Declares a field that gives each worker a logger whose lines carry `callId` and
 * `parentCallId` (and the service's name, as all of a container's lines do).
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

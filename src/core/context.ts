/**
 * The `workerContext` dependency: the running worker's {@link WorkerContext} (call id, call id
 * stack, context data such as `language`, `user_id` or `auth_token`).
 */
import { dependency, type Injected } from "./dependency.js";
import type { WorkerContext } from "./worker-context.js";

/**
 * Declares a field that holds the worker's context.
 *
 * @example
 * ctx = workerContext();
 * @rpc whoami() { return { user: this.ctx.data.user_id, stack: this.ctx.callIdStack }; }
 */
export function workerContext(): Injected<WorkerContext> {
  return dependency<WorkerContext>("workerContext()", () => ({ name: "workerContext()", get: (ctx) => ctx }));
}

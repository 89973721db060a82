/**
 * The `rpcProxy` dependency: call another service from inside a worker, carrying the worker's
 * context (call id stack, language, user id, ...) as Nameko's `RpcProxy` does.
 */

import { dependency, type Injected } from "../core/dependency.js";
import type { DependencyProvider } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import type { WorkerContext } from "../core/worker-context.js";
import { rpcExchange } from "../wire/names.js";
import { RpcCaller } from "./caller.js";
import { serviceClient } from "./client.js";
import { ReplyListener } from "./reply-listener.js";
import type { CallOptions, ServiceClient } from "./types.js";

/**
 * Declares a client of another service. Give the service's class as a type argument (imported
 * with `import type`) for a fully typed client; leave it out for a Python service.
 *
 * @param service - the remote service's name.
 * @param options - default call options, such as `timeoutMs`.
 * @example
 * airports = rpcProxy<AirportsService>("airports_service");
 * // in a worker: const name = await this.airports.get(id);
 */
export function rpcProxy<S = unknown>(
  service: string,
  options: CallOptions = {},
): Injected<ServiceClient<S>> {
  return dependency<ServiceClient<S>>(
    `rpcProxy("${service}")`,
    (container) =>
      new RpcProxyProvider(container, service, options) as unknown as DependencyProvider<ServiceClient<S>>,
  );
}

/** Provides clients of one service, bound to each worker's context. */
export class RpcProxyProvider implements DependencyProvider<ServiceClient<unknown>> {
  readonly name: string;
  readonly #service: string;
  readonly #caller: RpcCaller;
  readonly #timeoutMs: number;

  constructor(container: ExtensionHost, service: string, options: CallOptions) {
    this.name = `rpcProxy(${service})`;
    this.#service = service;
    this.#timeoutMs = options.timeoutMs ?? container.settings.rpcTimeoutMs;
    this.#caller = sharedCaller(container);
  }

  get(ctx: WorkerContext): ServiceClient<unknown> {
    return serviceClient(this.#service, (method, args, kwargs, options) =>
      this.#caller.call({
        service: this.#service,
        method,
        args,
        kwargs,
        headers: ctx.headersFor({ kind: "rpc", target: `${this.#service}.${method}` }),
        timeoutMs: options.timeoutMs ?? this.#timeoutMs,
        deadline: ctx.deadline,
      }),
    );
  }
}

/** The container's reply listener and the caller built on it, shared by all its proxies. */
function sharedCaller(container: ExtensionHost): RpcCaller {
  const { settings, transport, logger, serviceName } = container;
  const exchange = rpcExchange(settings.rpcExchange);
  const listener = container.shared(
    "reply-listener",
    () => new ReplyListener(transport, serviceName, exchange, logger, settings.rpcPersistent),
  );
  const serializer = settings.serializer;
  return new RpcCaller(transport, listener, exchange.name, serializer, settings.rpcPersistent, serviceName);
}

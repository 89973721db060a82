/**
 * RPC client objects: a proxy per service whose properties are callable remote methods, built on
 * one `invoke` function (the tRPC idea: a tiny runtime behind expressive types).
 */
import { splitArguments } from "./kwargs.js";
import type { AsyncCall, CallOptions, ClusterRpc, RpcMethod, UntypedRpcClient } from "./types.js";

/** Performs one call. */
export type Invoke = (
  method: string,
  args: unknown[],
  kwargs: Record<string, unknown>,
  options: CallOptions,
) => Promise<unknown>;

/** A remote method bound to `invoke`. */
export function rpcMethod(
  invoke: Invoke,
  method: string,
  options: CallOptions = {},
): RpcMethod<unknown[], unknown> {
  const call = (...callArgs: unknown[]) => {
    const { args, kwargs } = splitArguments(callArgs);
    return invoke(method, args, kwargs, options);
  };
  const callAsync = (...callArgs: unknown[]): AsyncCall<unknown> => {
    const reply = call(...callArgs);
    // The caller may never ask for the result; its failure must not crash the process.
    reply.catch(() => undefined);
    return { result: () => reply };
  };
  const withOptions = (more: CallOptions) => rpcMethod(invoke, method, { ...options, ...more });
  return Object.assign(call, { callAsync, withOptions });
}

/**
 * A client whose every property is a remote method of one service. Never a thenable, so
 * `await client` and promise plumbing leave it alone.
 */
export function serviceClient(invoke: Invoke, onMethod?: (method: string) => void): UntypedRpcClient {
  const methods = new Map<string, RpcMethod<unknown[], unknown>>();
  return new Proxy({} as UntypedRpcClient, {
    get(_target, key) {
      if (typeof key !== "string" || key === "then") return undefined;
      let method = methods.get(key);
      if (method === undefined) {
        method = rpcMethod(invoke, key);
        methods.set(key, method);
        onMethod?.(key);
      }
      return method;
    },
    ownKeys: () => [...methods.keys()],
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === "string" && methods.has(key)
        ? { value: methods.get(key), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
}

/** Clients for all services by name (`n.rpc.greeting_service.hello()`, `n.rpc["svc"]`). */
export function clusterRpc(
  clientFor: (service: string) => UntypedRpcClient,
  known: () => Iterable<string>,
): ClusterRpc {
  return new Proxy({} as ClusterRpc, {
    get(_target, key) {
      if (typeof key !== "string" || key === "then") return undefined;
      return clientFor(key);
    },
    ownKeys: () => [...known()],
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === "string"
        ? { value: clientFor(key), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
}

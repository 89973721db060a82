/**
 * RPC client objects: a proxy per service whose properties are callable remote methods, built on
 * one `invoke` function (the tRPC idea: a tiny runtime behind expressive types).
 */
import { inspect } from "node:util";
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
 * Names JavaScript itself looks up on any object: `String(client)`, template literals,
 * `JSON.stringify`, `await`. Were they remote methods, converting a client to text would send
 * `toString` and `valueOf` calls to the live service.
 */
const LANGUAGE_PROTOCOL = new Set(["then", "toString", "valueOf", "toLocaleString", "toJSON", "constructor"]);

/** Whether a property of a client is a remote method (not a symbol, nor a name JavaScript uses). */
export function isRemoteMethodName(key: string | symbol): key is string {
  return typeof key === "string" && !LANGUAGE_PROTOCOL.has(key);
}

/**
 * A client whose every property is a remote method of one service, except the names JavaScript
 * uses for conversions (`toString`, `valueOf`, `toJSON`, ...). Never a thenable, so
 * `await client` and promise plumbing leave it alone.
 */
export function serviceClient(
  service: string,
  invoke: Invoke,
  onMethod?: (method: string) => void,
): UntypedRpcClient {
  const methods = new Map<string, RpcMethod<unknown[], unknown>>();
  const describe = () => `[RPC client of ${service}]`;
  // util.inspect looks at a proxy's target, not through its traps: the target says what it is.
  const target = { [inspect.custom]: describe } as unknown as UntypedRpcClient;
  return new Proxy(target, {
    get(_target, key) {
      if (key === inspect.custom || key === "toString") return describe;
      if (!isRemoteMethodName(key)) return undefined;
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

/**
 * What `enoki shell` puts in scope: `n`, like Nameko's shell (`n.rpc`, `n.config`,
 * `n.dispatchEvent`, `n.disconnect`), and `kwargs`. Its RPC clients remember the services and
 * methods that answered, so tab completion offers them (and not names mistyped on the way).
 */

import { type InspectOptions, inspect } from "node:util";
import type { Config } from "../core/config.js";
import { isRemoteMethodName } from "../rpc/client.js";
import { RpcTimeout } from "../rpc/errors.js";
import { kwargs } from "../rpc/kwargs.js";
import type { ClusterRpc, RpcMethod, UntypedRpcClient } from "../rpc/types.js";
import type { Cluster } from "../standalone/cluster.js";
import { ConnectionLost, UndeliverableMessage } from "../transport/errors.js";
import { MethodNotFound, UnknownService } from "../wire/remote-errors.js";
import { maskSecrets } from "./mask-secrets.js";

/** The shell's `n`. */
export interface ShellNamespace {
  /** Clients of every service: `await n.rpc.greeting_service.hello("world")`. */
  readonly rpc: ClusterRpc;
  /** The config the shell was started with. */
  readonly config: Readonly<Config>;
  /** Dispatches an event as if `source` had: `await n.dispatchEvent("src", "type", payload)`. */
  dispatchEvent(source: string, eventType: string, payload: unknown): Promise<void>;
  /** Keyword arguments: `n.rpc.greeting_service.hello(kwargs({ name: "world" }))`. */
  readonly kwargs: typeof kwargs;
  /** Closes the connection; calls fail afterwards. */
  disconnect(): Promise<void>;
}

/** Builds `n` over a connected cluster. */
export function shellNamespace(cluster: Cluster): ShellNamespace {
  const answered = new Map<string, Set<string>>();
  // No prototype: completing `n.` offers n's own members, not Object's.
  return Object.freeze(
    Object.assign(Object.create(null) as object, {
      rpc: trackedRpc(cluster, answered),
      config: displayedMasked(cluster.config),
      dispatchEvent: (source: string, eventType: string, payload: unknown) =>
        cluster.dispatchEvent(source, eventType, payload),
      kwargs,
      disconnect: () => cluster.close(),
    }),
  );
}

/**
 * The config as the code reads it, but shown with passwords masked, as `enoki show-config` shows
 * it: typing `n.config` at the prompt must not put the broker's password on the screen.
 */
function displayedMasked(config: Readonly<Config>): Readonly<Config> {
  const copy = { ...config };
  Object.defineProperty(copy, inspect.custom, {
    value: (_depth: number, options: InspectOptions) => inspect(maskSecrets(config), options),
  });
  return Object.freeze(copy);
}

type Answered = Map<string, Set<string>>;

function trackedRpc(cluster: Cluster, answered: Answered): ClusterRpc {
  const clients = new Map<string, UntypedRpcClient>();
  const clientOf = (service: string) => {
    let client = clients.get(service);
    if (client === undefined) {
      client = trackedClient(cluster.service(service), service, answered);
      clients.set(service, client);
    }
    return client;
  };
  // A null-prototype target, so completion lists services and not Object's methods.
  return new Proxy(Object.create(null) as ClusterRpc, {
    get: (_target, key) => (typeof key === "string" && key !== "then" ? clientOf(key) : undefined),
    ownKeys: () => [...answered.keys()],
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === "string" && answered.has(key)
        ? { value: clientOf(key), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
}

function trackedClient(client: UntypedRpcClient, service: string, answered: Answered): UntypedRpcClient {
  const methods = new Map<string, RpcMethod<unknown[], unknown>>();
  const methodOf = (name: string) => {
    let method = methods.get(name);
    if (method === undefined) {
      method = trackedMethod(client[name] as RpcMethod<unknown[], unknown>, (outcome) => {
        if (outcome !== "nothing") remember(answered, service, outcome === "method" ? name : undefined);
      });
      methods.set(name, method);
    }
    return method;
  };
  // Null prototype (completion lists methods only), and inspected as the client it wraps.
  const target = Object.create(null) as UntypedRpcClient;
  Object.defineProperty(target, inspect.custom, {
    value: () => String(client),
    configurable: true,
  });
  return new Proxy(target, {
    get: (_target, key) => (isRemoteMethodName(key) ? methodOf(key) : Reflect.get(client, key)),
    ownKeys: () => [...(answered.get(service) ?? [])],
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === "string" && answered.get(service)?.has(key)
        ? { value: methodOf(key), enumerable: true, configurable: true, writable: false }
        : undefined,
  });
}

/** What a reply proved to exist: the method, only the service, or nothing. */
type Outcome = "method" | "service" | "nothing";

function trackedMethod(
  method: RpcMethod<unknown[], unknown>,
  onReply: (outcome: Outcome) => void,
): RpcMethod<unknown[], unknown> {
  const watch = (reply: Promise<unknown>) => {
    void reply.then(
      () => onReply("method"),
      (err: unknown) => onReply(outcomeOf(err)),
    );
  };
  const call = (...args: unknown[]) => {
    const reply = method(...args);
    watch(reply);
    return reply;
  };
  const callAsync = (...args: unknown[]) => {
    const pending = method.callAsync(...args);
    watch(pending.result());
    return pending;
  };
  const withOptions = (options: Parameters<typeof method.withOptions>[0]) =>
    trackedMethod(method.withOptions(options), onReply);
  return Object.assign(call, { callAsync, withOptions });
}

// An error that came back from the service proves the method exists; these ones do not.
function outcomeOf(err: unknown): Outcome {
  if (err instanceof MethodNotFound) return "service";
  const unanswered = [UnknownService, RpcTimeout, ConnectionLost, UndeliverableMessage];
  return unanswered.some((cls) => err instanceof cls) ? "nothing" : "method";
}

function remember(answered: Answered, service: string, method: string | undefined): void {
  let methods = answered.get(service);
  if (methods === undefined) {
    methods = new Set();
    answered.set(service, methods);
  }
  if (method !== undefined) methods.add(method);
}

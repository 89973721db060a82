/**
 * Types of RPC clients, derived from a service class the way tRPC derives them from a router:
 * `rpcProxy<AirportsService>("airports_service")` gives `get(id)` its parameter and result types.
 */
import type { IsInjected } from "../core/dependency.js";

/** Per-call options. */
export interface CallOptions {
  /** How long to wait for the reply, in milliseconds; 0 waits forever. Default: `RPC_TIMEOUT`. */
  timeoutMs?: number;
}

/** A call in flight, started with `callAsync`. */
export interface AsyncCall<R> {
  /** Waits for the reply: the result, or the remote error rethrown. */
  result(): Promise<R>;
}

/** One remote method: call it and await the result, or start it with `callAsync`. */
export interface RpcMethod<A extends readonly unknown[], R> {
  (...args: A): Promise<R>;
  /** Sends the call now and returns a handle whose `result()` waits for the reply. */
  callAsync(...args: A): AsyncCall<R>;
  /** The same method with other call options. */
  withOptions(options: CallOptions): RpcMethod<A, R>;
}

/** What a value looks like after a JSON round trip: dates become strings, functions vanish. */
export type Serialized<T> = T extends string | number | boolean | null
  ? T
  : // biome-ignore lint/suspicious/noConfusingVoidType: a method "returning" void replies null
    T extends undefined | void
    ? null
    : T extends { toJSON(): infer J }
      ? Serialized<J>
      : T extends readonly (infer E)[]
        ? Serialized<E>[]
        : T extends object
          ? { [K in keyof T as T[K] extends Function ? never : K]: SerializedField<T[K]> }
          : unknown;

// JSON drops undefined fields: an optional field stays optional instead of becoming null.
type SerializedField<T> = Serialized<Exclude<T, undefined>>;

// biome-ignore lint/suspicious/noExplicitAny: matching any function signature
type AnyFunction = (...args: any[]) => unknown;

/** The public methods of a service class, minus injected dependencies. */
export type RpcMethodNames<S> = {
  [K in keyof S]: S[K] extends AnyFunction ? (IsInjected<S[K]> extends true ? never : K) : never;
}[keyof S] &
  string;

/** A typed client for service class `S`. */
export type RpcClient<S> = {
  readonly [K in RpcMethodNames<S>]: S[K] extends (...args: infer A) => infer R
    ? RpcMethod<A, Serialized<Awaited<R>>>
    : never;
};

/** A client for a service whose class is not known here (a Python service, the shell). */
export type UntypedRpcClient = { readonly [method: string]: RpcMethod<unknown[], unknown> };

/** `RpcClient<S>` when `S` is given, otherwise untyped. */
export type ServiceClient<S> = unknown extends S ? UntypedRpcClient : RpcClient<S>;

/** Clients for every service, by name: `n.rpc.greeting_service.hello("world")`. */
export type ClusterRpc = { readonly [service: string]: UntypedRpcClient };

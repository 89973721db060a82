/**
 * Types the test helpers check their arguments against: a service's dependency fields and
 * entrypoint methods, and what a test double of a dependency may look like.
 */
import type { InjectedValue, IsInjected } from "../core/dependency.js";
import type { RpcMethod, RpcMethodNames } from "../rpc/types.js";

// biome-ignore lint/suspicious/noExplicitAny: matching any function signature
type AnyFunction = (...args: any[]) => unknown;

/** The names of the dependency fields of service instance type `S`. */
export type DependencyFields<S> = {
  [K in keyof S]-?: IsInjected<S[K]> extends true ? K : never;
}[keyof S] &
  string;

/**
 * What a test may put in place of a dependency of type `T`:
 * - an object dependency: an object with any of its members (missing ones throw
 *   `MissingDouble` when used); an RPC client's methods are plain functions taking the
 *   method's arguments and returning its result as it comes off the wire (`callAsync` and
 *   `withOptions` are added);
 * - a function dependency (an event dispatcher, a publisher): a function of the same type;
 * - anything else: a value of the same type.
 */
export type Double<T> = T extends AnyFunction
  ? T
  : T extends object
    ? { [K in keyof T]?: MemberDouble<T[K]> }
    : T;

/** A member of a double: an RPC method may be a plain function, anything else is as declared. */
export type MemberDouble<M> = M extends RpcMethod<infer A, infer R> ? (...args: A) => R | Promise<R> : M;

// `object` is the service type of a container whose class is not known here.
type Untyped<S> = object extends S ? true : false;

/** Test doubles by dependency field, each checked against the real dependency's type. */
export type Doubles<S> =
  Untyped<S> extends true
    ? { readonly [field: string]: unknown }
    : { [K in DependencyFields<S>]?: Double<InjectedValue<S[K]>> };

/** A dependency field name of `S` (any string when `S` is not known). */
export type DependencyName<S> = Untyped<S> extends true ? string : DependencyFields<S>;

/** The value type of dependency field `F` of `S` (`unknown` when `S` is not known). */
export type DependencyType<S, F> = F extends keyof S ? InjectedValue<S[F]> : unknown;

/** A method of `S` that may carry an entrypoint (any string when `S` is not known). */
export type EntrypointName<S> = Untyped<S> extends true ? string : RpcMethodNames<S>;

/** The arguments of method `M` of `S`. */
export type EntrypointArgs<S, M> = M extends keyof S
  ? S[M] extends (...args: infer A) => unknown
    ? A
    : unknown[]
  : unknown[];

/** What method `M` of `S` resolves with. */
export type EntrypointResult<S, M> = M extends keyof S
  ? S[M] extends (...args: never[]) => infer R
    ? Awaited<R>
    : unknown
  : unknown;

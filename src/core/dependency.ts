/**
 * Dependency declarations: what a service class says it needs, as field initialisers.
 *
 * ```ts
 * class Gateway {
 *   airports = rpcProxy<AirportsService>("airports_service");
 * }
 * ```
 *
 * The initialiser returns a declaration, not a live value: creating the instance runs no I/O.
 * The container finds the declarations by creating the class once, builds one provider per
 * field, and overwrites the field of every worker instance with the provider's value.
 */

import { DependencyNotInjected } from "./errors.js";
import type { DependencyProvider } from "./extension.js";
import type { ExtensionHost } from "./extension-host.js";

const DECLARATION = Symbol.for("enoki.dependency");

/** Phantom brand that marks a field type as injected, so typed RPC clients leave it out. */
declare const injectedBrand: unique symbol;

/**
 * The type of a dependency field: the value workers see, marked as injected. The mark carries the
 * value's type, so that test helpers can recover it ({@link InjectedValue}).
 */
export type Injected<T> = T & { readonly [injectedBrand]: T };

/** Builds the provider behind a declared field. */
export type ProviderFactory<T> = (container: ExtensionHost, field: string) => DependencyProvider<T>;

interface Declaration {
  readonly [DECLARATION]: ProviderFactory<unknown>;
}

/**
 * Declares a dependency. Use it to write your own dependency providers.
 *
 * @param describe - what the dependency is, for the error raised if it is used uninjected.
 * @param factory - builds the provider when a container is created.
 * @example
 * export const clock = () => dependency<() => Date>("clock()", () => ({ name: "clock", get: () => () => new Date() }));
 */
export function dependency<T>(describe: string, factory: ProviderFactory<T>): Injected<T> {
  // A proxy (around a function, so calling it is caught too) so that using the field outside a
  // worker fails with a useful message instead of "undefined is not a function".
  const placeholder = () => undefined;
  return new Proxy(placeholder, {
    get(_target, key) {
      if (key === DECLARATION) return factory;
      if (key === "then" || typeof key === "symbol") return undefined;
      throw new DependencyNotInjected(describe);
    },
    apply() {
      throw new DependencyNotInjected(describe);
    },
  }) as Injected<T>;
}

/** The provider factory of a declaration, or `undefined` if the value is not one. */
export function declarationFactory(value: unknown): ProviderFactory<unknown> | undefined {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
  return (value as Partial<Declaration>)[DECLARATION];
}

/** Finds the dependency fields of a service class by creating one throw-away instance. */
export function findDeclarations(instance: object): Map<string, ProviderFactory<unknown>> {
  const found = new Map<string, ProviderFactory<unknown>>();
  for (const field of Object.keys(instance)) {
    const factory = declarationFactory((instance as Record<string, unknown>)[field]);
    if (factory !== undefined) found.set(field, factory);
  }
  return found;
}

/** `true` when `T` is the type of an injected dependency field. */
export type IsInjected<T> = T extends { readonly [injectedBrand]: unknown } ? true : false;

/** The value type of an injected dependency field: `InjectedValue<Injected<T>>` is `T`. */
export type InjectedValue<T> = T extends { readonly [injectedBrand]: infer V } ? V : T;

/**
 * Declaring a service: `@service(name)` on a class, and the entrypoint specs its decorated
 * methods record. Declaring runs no I/O; a container reads these later.
 */

import { ConfigurationError } from "../util/enoki-error.js";
import type { Entrypoint } from "./extension.js";
import type { ExtensionHost } from "./extension-host.js";
import { assertStandardDecorator, ENTRYPOINTS, ownList, readMetadata, SERVICE_NAME } from "./metadata.js";
import { parseParameters, type Signature } from "./signature.js";

/** A service class: constructible with no arguments (a fresh instance per worker). */
export type ServiceClass<T extends object = object> = new () => T;

/** What an entrypoint decorator records about a method. */
export interface EntrypointSpec {
  /** The decorator, for messages: `rpc`, `eventHandler`, `http`, `timer`, `consume`. */
  readonly kind: string;
  readonly signature: Signature;
  /** Builds the entrypoint for a container. */
  readonly create: (container: ExtensionHost, signature: Signature) => Entrypoint;
}

// Service names become queue names and routing key segments: a dot would break `<svc>.*`.
const SERVICE_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/**
 * Names a service. The name is what callers use (`n.rpc.greeting_service.hello()`) and what its
 * queues are called after (`rpc-greeting_service`).
 *
 * @example
 * @service("greeting_service")
 * export class GreetingService {
 *   @rpc hello(name: string) { return `Hello, ${name}!`; }
 * }
 */
export function service(name: string) {
  if (!SERVICE_NAME_PATTERN.test(name)) {
    throw new ConfigurationError(
      `Invalid service name ${JSON.stringify(name)}: use letters, digits, _ and -`,
    );
  }
  return <C extends ServiceClass>(_cls: C, context: ClassDecoratorContext<C>): void => {
    assertStandardDecorator(context, "service");
    (context.metadata as Record<symbol, unknown>)[SERVICE_NAME] = name;
  };
}

/** The name given to `@service`, or `undefined` if the class is not a service. */
export function serviceNameOf(cls: Function): string | undefined {
  return readMetadata<string>(cls as ServiceClass, SERVICE_NAME);
}

/** Whether a value is a class decorated with `@service`. */
export function isServiceClass(value: unknown): value is ServiceClass {
  return typeof value === "function" && serviceNameOf(value) !== undefined;
}

/** The entrypoints declared on a service class (inherited ones included). */
export function entrypointSpecs(cls: ServiceClass): readonly EntrypointSpec[] {
  return readMetadata<EntrypointSpec[]>(cls, ENTRYPOINTS) ?? [];
}

/** A method decorator context, whatever the method's type. */
// biome-ignore lint/suspicious/noExplicitAny: decorators accept methods of any signature
export type AnyMethodContext = ClassMethodDecoratorContext<any, any>;

/**
 * Records an entrypoint on the decorated method. Entrypoint decorators (`@rpc`, `@timer`, ...)
 * are written with this.
 */
export function addEntrypoint(
  kind: string,
  method: Function,
  context: AnyMethodContext,
  create: EntrypointSpec["create"],
): void {
  assertStandardDecorator(context, kind);
  if (context.kind !== "method" || typeof context.name !== "string" || context.private || context.static) {
    throw new ConfigurationError(`@${kind} goes on a public, non-static, named method`);
  }
  const signature: Signature = { method: context.name, params: parseParameters(method) };
  ownList<EntrypointSpec>(context.metadata, ENTRYPOINTS).push({ kind, signature, create });
}

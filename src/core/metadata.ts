/**
 * Where decorators record what a service declares.
 *
 * Decorators only write plain specs into the class's decorator metadata; nothing runs until a
 * container reads them. Keys are registered symbols (`Symbol.for`) so two copies of Enoki in one
 * process (for example a test importing `src/` and an example importing the built package) still
 * read each other's declarations.
 *
 * @internal
 */

// Node 20 has no Symbol.metadata. tsc output reads `Symbol.metadata` when a decorated class is
// defined, while esbuild (tsx) falls back to `Symbol.for("Symbol.metadata")`: polyfill with that
// same symbol so code compiled either way agrees.
(Symbol as { metadata?: symbol }).metadata ??= Symbol.for("Symbol.metadata");

/** Metadata key holding the service name given to `@service`. */
export const SERVICE_NAME: unique symbol = Symbol.for("enoki.serviceName") as never;
/** Metadata key holding the list of entrypoint specs. */
export const ENTRYPOINTS: unique symbol = Symbol.for("enoki.entrypoints") as never;

/** A class constructor as Enoki sees it. */
// biome-ignore lint/suspicious/noExplicitAny: constructor parameters are the user's business
export type Constructor<T = object> = abstract new (...args: any[]) => T;

/**
 * Returns the array stored under `key` in `metadata`, creating it as an own property first.
 * A subclass's metadata object inherits from its parent's through the prototype chain, so the
 * inherited list is copied rather than pushed into (which would change the parent class).
 */
export function ownList<T>(metadata: DecoratorMetadataObject, key: symbol): T[] {
  const bag = metadata as Record<symbol, T[] | undefined>;
  if (!Object.hasOwn(metadata, key)) bag[key] = [...(bag[key] ?? [])];
  return bag[key] as T[];
}

/** Reads one metadata entry of a class, following inheritance. */
export function readMetadata<T>(cls: Constructor, key: symbol): T | undefined {
  const metadata = (cls as { [Symbol.metadata]?: DecoratorMetadataObject | null })[Symbol.metadata];
  return (metadata as Record<symbol, T | undefined> | null | undefined)?.[key];
}

/**
 * Throws a clear error when a decorator is called the legacy (`experimentalDecorators`) way,
 * where the second argument is a property key instead of a context object.
 */
export function assertStandardDecorator(context: unknown, decorator: string): void {
  if (typeof context !== "object" || context === null || !("kind" in context)) {
    throw new TypeError(
      `@${decorator} is a standard (TC39) decorator, but it was called as a legacy one. ` +
        `Remove "experimentalDecorators" from your tsconfig.json.`,
    );
  }
}

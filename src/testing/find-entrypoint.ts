/**
 * Finding a container's entrypoint by its method's name, as Nameko's test helpers do.
 */
import type { ServiceContainer } from "../core/container.js";
import type { Entrypoint } from "../core/extension.js";
import { ExtensionNotFound } from "./errors.js";

/**
 * The (first) entrypoint on method `method` of a container.
 * @throws ExtensionNotFound when the method has none.
 */
export function findEntrypoint(container: ServiceContainer, method: string): Entrypoint {
  const entrypoint = container.entrypoints.find((e) => e.method === method);
  if (entrypoint === undefined) {
    const known = container.entrypoints.map((e) => e.method).join(", ") || "none";
    throw new ExtensionNotFound(
      `${container.serviceName} has no entrypoint on ${method} (its entrypoints: ${known})`,
    );
  }
  return entrypoint;
}

/** Rejects with `error()` after `ms` milliseconds (never when `ms` is 0); `clear` cancels it. */
export function deadline(ms: number, error: () => Error): { expired: Promise<never>; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    if (ms > 0) timer = setTimeout(() => reject(error()), ms);
  });
  return { expired, clear: () => clearTimeout(timer) };
}

/**
 * `restrictEntrypoints`: only some of a service's entrypoints live.
 */
import type { ServiceContainer } from "../core/container.js";
import { ExtensionNotFound } from "./errors.js";
import type { EntrypointName } from "./types.js";

/**
 * Keeps only the entrypoints on the named methods of a container that has not started (Nameko's
 * `restrict_entrypoints`): the others never consume, listen or tick, and the shared extensions
 * only they used (the RPC queue's consumer, the HTTP server) are removed with them. Several
 * entrypoints on one method are kept or removed together. With no names, none is kept.
 *
 * @throws ExtensionNotFound when a name is not the method of an entrypoint.
 * @throws Error when the container has started.
 * @example
 * const container = new ServiceContainer(Reports, { transport, config });
 * restrictEntrypoints(container, "onTripBooked"); // not the hourly @timer
 * await container.start();
 */
export function restrictEntrypoints<S extends object>(
  container: ServiceContainer<S>,
  ...methods: EntrypointName<S>[]
): void {
  if (container.state !== "created") {
    throw new Error(
      `Restrict entrypoints before the container starts: ${container.serviceName} is ${container.state}`,
    );
  }
  const known = new Set(container.entrypoints.map((e) => e.method));
  const missing = methods.filter((m) => !known.has(m));
  if (missing.length > 0) {
    throw new ExtensionNotFound(
      `${container.serviceName} has no entrypoint on ${missing.join(", ")} (its entrypoints: ${[...known].join(", ") || "none"})`,
    );
  }
  const keep = new Set<string>(methods);
  container.restrictEntrypoints((entrypoint) => keep.has(entrypoint.method));
}

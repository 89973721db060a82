/**
 * `workerFactory`: a service instance for unit tests, with its dependencies replaced.
 */
import { findDeclarations } from "../core/dependency.js";
import type { ServiceClass } from "../core/service.js";
import { ExtensionNotFound } from "./errors.js";
import { type DoubleSite, strictFake, wrapDouble } from "./fakes.js";
import type { Doubles } from "./types.js";

/**
 * Creates an instance of a service class, as a worker would be, with every dependency replaced:
 * by the double given for it in `doubles`, else by a strict fake that throws `MissingDouble`
 * (naming the field) when the code uses it. Call its methods directly: entrypoint decorators do
 * not change them. No container, broker or worker hooks are involved (Nameko's `worker_factory`).
 *
 * Each double is type-checked against its dependency: an RPC client's methods are plain
 * functions taking the method's arguments and returning its result as it comes off the wire;
 * members of an object dependency may be left out (using one then throws `MissingDouble`).
 *
 * @param serviceClass - the service class (it need not be decorated with `@service`).
 * @param doubles - test doubles by dependency field.
 * @throws ExtensionNotFound when `doubles` names a field that is not a dependency.
 * @example
 * const gateway = workerFactory(Gateway, {
 *   airports: { get: async (id: string) => ({ id, name: "Heathrow" }) },
 * });
 * assert.deepEqual(await gateway.airport(new HttpRequest(), "LHR"), ...);
 */
export function workerFactory<S extends object>(serviceClass: ServiceClass<S>, doubles: Doubles<S> = {}): S {
  const worker = new serviceClass();
  const fields = worker as Record<string, unknown>;
  const declared = findDeclarations(worker);
  const given = doubles as Readonly<Record<string, unknown>>;
  const owner = serviceClass.name || "service";
  const unknown = Object.keys(given).filter((field) => !declared.has(field));
  if (unknown.length > 0) {
    const known = [...declared.keys()].join(", ") || "none";
    throw new ExtensionNotFound(
      `workerFactory(${owner}): no dependency named ${unknown.join(", ")} (its dependencies: ${known})`,
    );
  }
  for (const field of declared.keys()) {
    const site: DoubleSite = { owner, field, helper: "workerFactory" };
    fields[field] = Object.hasOwn(given, field) ? wrapDouble(given[field], site) : strictFake(site);
  }
  return worker;
}

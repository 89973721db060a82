/**
 * `replaceDependencies`: test doubles in place of a container's dependency providers.
 */
import type { ServiceContainer } from "../core/container.js";
import { ExtensionNotFound } from "./errors.js";
import { type DoubleSite, strictFake, wrapDouble } from "./fakes.js";
import type { DependencyName, DependencyType, Double } from "./types.js";

/**
 * Replaces dependency providers of a container that has not started (Nameko's
 * `replace_dependencies`). The replaced providers never run (no connection is opened for them,
 * no worker hook called); every worker gets the replacement instead.
 *
 * - By name: each named dependency becomes a strict fake that throws `MissingDouble` when used
 *   (for dependencies the test must not reach). Returns the fake, or the fakes in order when
 *   several names are given.
 * - With an object of doubles: each becomes the given double, type-checked against the
 *   dependency as in `workerFactory`; a member it lacks throws `MissingDouble` when used.
 *   Returns what workers receive, by field.
 *
 * Replacements affect this container only, not the service class.
 *
 * @throws ExtensionNotFound when a name is not a dependency of the service.
 * @throws Error when the container has started.
 * @example
 * const container = new ServiceContainer(Gateway, { transport, config });
 * replaceDependencies(container, { trips: { create: async (from: string, to: string) => ({ id: 1, from, to }) } });
 * await container.start();
 */
export function replaceDependencies<S extends object, F extends DependencyName<S>>(
  container: ServiceContainer<S>,
  field: F,
): DependencyType<S, F>;
export function replaceDependencies<S extends object, F extends DependencyName<S>[]>(
  container: ServiceContainer<S>,
  ...fields: F
): { [I in keyof F]: DependencyType<S, F[I]> };
export function replaceDependencies<S extends object, K extends DependencyName<S>>(
  container: ServiceContainer<S>,
  doubles: { [P in K]: Double<DependencyType<S, P>> },
): { [P in K]: DependencyType<S, P> };
export function replaceDependencies(
  container: ServiceContainer,
  ...args: (string | Readonly<Record<string, unknown>>)[]
): unknown {
  const [first] = args;
  const byName = typeof first === "string";
  const doubles: Readonly<Record<string, unknown>> = byName ? {} : (first ?? {});
  const fields = byName ? (args as string[]) : Object.keys(doubles);
  assertReplaceable(container, fields);
  const replacements = fields.map((field) => {
    const site: DoubleSite = { owner: container.serviceClass.name, field, helper: "replaceDependencies" };
    const replacement = byName ? strictFake(site) : wrapDouble(doubles[field], site);
    container.replaceDependency(field, { name: `test double for ${field}`, get: () => replacement });
    return [field, replacement] as const;
  });
  if (!byName) return Object.fromEntries(replacements);
  const values = replacements.map(([, value]) => value);
  return values.length === 1 ? values[0] : values;
}

// Checked before anything is replaced, so that a bad call changes nothing.
function assertReplaceable(container: ServiceContainer, fields: readonly string[]): void {
  if (container.state !== "created") {
    throw new Error(
      `Replace dependencies before the container starts: ${container.serviceName} is ${container.state}`,
    );
  }
  const missing = fields.filter((field) => !container.dependencies.has(field));
  if (missing.length > 0) {
    const known = [...container.dependencies.keys()].join(", ") || "none";
    throw new ExtensionNotFound(
      `${container.serviceName} has no dependency named ${missing.join(", ")} (its dependencies: ${known})`,
    );
  }
}

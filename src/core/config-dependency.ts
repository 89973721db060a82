/**
 * The `config` dependency: the container's config, read-only, in every worker (Nameko's `Config`
 * dependency provider). It lives in core beside `Config` because it needs nothing but the
 * container: no transport, no subsystem.
 */
import { setOwn } from "../util/set-own.js";
import type { Config } from "./config.js";
import { dependency, type Injected } from "./dependency.js";
import type { DependencyProvider } from "./extension.js";

/**
 * Declares a field that gives each worker the config the service runs with (the file given to
 * `enoki run --config`, or `RunnerOptions.config`). The value is deeply frozen: workers share it,
 * so none may change it. Give your own keys as a type argument to read them typed.
 *
 * @example
 * @service("greeting_service")
 * class GreetingService {
 *   config = config<{ GREETING?: string }>();
 *   @rpc hello(name: string) { return `${this.config.GREETING ?? "Hello"}, ${name}!`; }
 * }
 */
export function config<T extends object = Config>(): Injected<Readonly<Config & T>> {
  return dependency<Readonly<Config & T>>(
    "config()",
    // The config's shape is the caller's claim, as with any typed read of a config file.
    (container) =>
      new ConfigProvider(container.config) as DependencyProvider<unknown> as DependencyProvider<
        Readonly<Config & T>
      >,
  );
}

/** Provides one frozen copy of the container's config to every worker. */
export class ConfigProvider implements DependencyProvider<Readonly<Config>> {
  readonly name = "config";
  readonly #value: Readonly<Config>;

  constructor(config: Config) {
    this.#value = frozenCopy(config) as Readonly<Config>;
  }

  get(): Readonly<Config> {
    return this.#value;
  }
}

// Copies plain objects and arrays (what a config file holds) and freezes the copies; anything
// else (a Date, a class instance given in code) is shared as it is.
function frozenCopy(value: unknown): unknown {
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(copy, key, frozenCopy(item));
    return Object.freeze(copy);
  }
  return value;
}

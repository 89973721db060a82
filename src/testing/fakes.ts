/**
 * Strict fakes and double wrappers: what `workerFactory` and `replaceDependencies` inject.
 *
 * Nameko injects `MagicMock`s, which accept any use and return more mocks, so a test that forgot
 * to set one up passes with nonsense. Here a dependency the test gave no double for is a strict
 * fake that throws {@link MissingDouble} naming the field as soon as the code uses it, and a
 * double that lacks a member throws for that member instead of returning `undefined`.
 */
import { MissingDouble } from "./errors.js";

/** Where a fake or double stands, for messages. */
export interface DoubleSite {
  /** The service class's name, as in `Gateway.airports`. */
  readonly owner: string;
  readonly field: string;
  /** The helper that injected it: `workerFactory`, `replaceDependencies`. */
  readonly helper: string;
}

// Probes that generic code makes of any value (`await x` reads `then`, `JSON.stringify` reads
// `toJSON`): answering them "absent" is what a plain object does, and not a use of the double.
const PROBES = new Set(["then", "toJSON"]);

/**
 * A stand-in for a dependency the test gave no double for: any use of it (reading a member,
 * calling it) throws {@link MissingDouble}.
 */
export function strictFake(site: DoubleSite): unknown {
  const fail = (used: string): never => {
    throw new MissingDouble(
      `${site.owner}.${site.field} was replaced by a strict fake (${site.helper}), and the code ` +
        `used ${used}: give a test double for ${site.field}`,
      site.field,
    );
  };
  return new Proxy(function strictFake() {}, {
    get: (_target, key) =>
      typeof key === "symbol" || PROBES.has(key) ? undefined : fail(`${site.field}.${key}`),
    apply: () => fail(`${site.field}(...)`),
    construct: () => fail(`new ${site.field}(...)`),
    set: (_target, key) => fail(`${site.field}.${String(key)} =`),
  });
}

/**
 * Wraps a test double of an object type so that a member it lacks throws {@link MissingDouble}
 * (give a member as `undefined` to have it read as `undefined`). Its methods run with the double
 * as `this`, and gain `callAsync` and `withOptions`, so a plain function stands in for an RPC
 * method. Functions and primitives are injected as they are.
 */
export function wrapDouble(double: unknown, site: DoubleSite): unknown {
  if (double === null || typeof double !== "object") return double;
  const adapted = new WeakMap<Function, Function>();
  return new Proxy(double, {
    get(target, key) {
      if (typeof key === "symbol") return Reflect.get(target, key, target);
      if (!(key in target)) {
        if (PROBES.has(key)) return undefined;
        throw new MissingDouble(
          `The test double for ${site.owner}.${site.field} has no ${key} (the code used ` +
            `${site.field}.${key}): add it to the double given to ${site.helper}`,
          site.field,
          key,
        );
      }
      const member: unknown = Reflect.get(target, key, target);
      if (typeof member !== "function") return member;
      let method = adapted.get(member);
      if (method === undefined) {
        method = asMethod(member, target);
        adapted.set(member, method);
      }
      return method;
    },
  });
}

// A function of the double, callable as a method (its `this` is the double, so classes with
// private fields work) and as an RPC method (`callAsync(...).result()`, `withOptions(...)`).
function asMethod(fn: Function, self: object): Function {
  if ("callAsync" in fn) return fn; // a real RPC client's method
  const method = (...args: unknown[]): unknown => fn.apply(self, args);
  const callAsync = (...args: unknown[]) => {
    const reply = (async () => fn.apply(self, args))();
    // An RPC call whose result is never asked for fails silently; so does this one.
    reply.catch(() => undefined);
    return { result: () => reply };
  };
  return Object.assign(method, { callAsync, withOptions: () => method });
}

/**
 * The errors of the test helpers. `ExtensionNotFound` and `EntrypointWaiterTimeout` keep
 * Nameko's names (`nameko.exceptions.ExtensionNotFound`, `entrypoint_waiter.Timeout`).
 */
import { EnokiError } from "../util/enoki-error.js";

/** A test helper was given an entrypoint or dependency name the service does not have. */
export class ExtensionNotFound extends EnokiError {
  readonly code = "ENOKI_EXTENSION_NOT_FOUND";
  constructor(message: string) {
    super(message);
    this.name = "ExtensionNotFound";
  }
}

/** No matching worker of the entrypoint finished in time (`entrypointWaiter`, `entrypointHook`). */
export class EntrypointWaiterTimeout extends EnokiError {
  readonly code = "ENOKI_ENTRYPOINT_WAITER_TIMEOUT";
  constructor(message: string) {
    super(message);
    this.name = "EntrypointWaiterTimeout";
  }
}

/**
 * Code under test used a dependency, or a member of a test double, that the test did not
 * provide: `workerFactory` and `replaceDependencies` put strict fakes where no double was given,
 * and a double that lacks a member throws this instead of returning `undefined`.
 */
export class MissingDouble extends EnokiError {
  readonly code = "ENOKI_MISSING_DOUBLE";
  /** The dependency field, such as `airports`. */
  readonly field: string;
  /** The member the code asked for (`get` in `airports.get`), if any. */
  readonly member: string | undefined;

  constructor(message: string, field: string, member?: string) {
    super(message);
    this.name = "MissingDouble";
    this.field = field;
    this.member = member;
  }
}

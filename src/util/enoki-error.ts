/**
 * The base of Enoki's own errors. Errors whose names the wire fixes (Nameko's `MethodNotFound`,
 * `RemoteError`, ...) keep Nameko's shape instead (`wire/remote-errors.ts`).
 */

/**
 * An error Enoki raises itself. `code` is stable (scripts, alerts and tests may match on it; a
 * message may be reworded); `name` is the class name, which is also what crosses the wire if the
 * error escapes an RPC method.
 */
export abstract class EnokiError extends Error {
  /** Stable identifier, `ENOKI_` and the error in upper case: `ENOKI_RPC_TIMEOUT`. */
  abstract readonly code: string;
}

/** A service, extension or config value is invalid. */
export class ConfigurationError extends EnokiError {
  readonly code = "ENOKI_CONFIGURATION";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigurationError";
  }
}

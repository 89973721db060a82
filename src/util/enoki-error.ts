/**
 * The base of Enoki's own errors. Errors whose names the wire fixes (Nameko's `MethodNotFound`,
 * `RemoteError`, ...) keep Nameko's shape instead (`wire/remote-errors.ts`).
 */

/** A service, extension or config value is invalid. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigurationError";
  }
}

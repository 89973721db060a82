/**
 * Errors of the command line itself: a bad option, a module that cannot be found or loaded. The
 * CLI prints them as one line and exits with code 2.
 */

/** A problem with what the CLI was asked to do, reported as one line, exit code 2. */
export class CliError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
  }
}

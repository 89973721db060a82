/**
 * Logging: structured pino loggers, JSON by default, one line per event.
 */
import { pino } from "pino";

/** The logger interface Enoki uses (a subset of pino's, so any pino logger fits). */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level. Default: `ENOKI_LOG_LEVEL` from the environment, else `info`. */
  level?: string;
  /** Where lines go. Default: standard error, so standard output stays the program's own. */
  destination?: NodeJS.WritableStream;
}

/** Creates Enoki's default logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.ENOKI_LOG_LEVEL ?? "info";
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  // errWithCause: a cause is logged as its own object; pino's default serializer appends its
  // message to the error's, so an error rethrown with its cause read "No trip x: No trip x".
  const serializers = { err: pino.stdSerializers.errWithCause };
  return pino({ level, base: { pid: process.pid }, redact: REDACTED_PATHS, serializers }, destination);
}

// Belt and braces: URIs are masked where they are logged, and these never get through as is.
const REDACTED_PATHS = ["password", "*.password", "config.AMQP_URI", "authorization", "*.authorization"];

/** A logger that drops everything, for tests and embedded use. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

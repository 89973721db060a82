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

/** Log level names Enoki accepts (`LOGGING`, `ENOKI_LOG_LEVEL`): Python's and pino's, in any case. */
export const LOG_LEVELS: Readonly<Record<string, string>> = {
  trace: "trace",
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  fatal: "fatal",
  critical: "fatal",
  silent: "silent",
};

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /**
   * Minimum level, Python's names too (`WARNING`). Default: `ENOKI_LOG_LEVEL` from the
   * environment, else `info`.
   */
  level?: string;
  /** Where lines go. Default: standard error, so standard output stays the program's own. */
  destination?: NodeJS.WritableStream;
}

/** Creates Enoki's default logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const named = options.level ?? process.env.ENOKI_LOG_LEVEL ?? "info";
  // An unknown name is left for pino to refuse, with its own message.
  const level = LOG_LEVELS[named.toLowerCase()] ?? named;
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  // errWithCause: a cause is logged as its own object; pino's default serializer appends its
  // message to the error's, so an error rethrown with its cause read "No trip x: No trip x".
  const serializers = { err: serializeError };
  return pino({ level, base: { pid: process.pid }, redact: REDACTED_PATHS, serializers }, destination);
}

// Only real errors are serialized: an `{ type, message }` already written for the log (an
// expected error, logged without its stack) would otherwise be retyped "Object".
function serializeError(err: unknown): unknown {
  return err instanceof Error ? pino.stdSerializers.errWithCause(err) : err;
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

/**
 * The logger of a CLI command: pino, JSON lines on standard error by default, readable lines when
 * standard error is a terminal.
 *
 * Level: `ENOKI_LOG_LEVEL`, else the config's `LOGGING` level, else the command's default.
 * Format: `ENOKI_LOG_FORMAT` (`json` or `pretty`), else `pretty` on a terminal and `json` otherwise.
 */
import type { Config } from "../core/config.js";
import { configLogLevel } from "../core/config-file.js";
import { createLogger, LOG_LEVELS, type Logger } from "../util/logger.js";
import { CliError } from "./cli-error.js";
import { prettyLogStream } from "./pretty-log.js";

/** Creates the logger of a command. */
export function cliLogger(
  config: Config,
  defaultLevel: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  stream: NodeJS.WriteStream = process.stderr,
): Logger {
  const level = envLevel(env.ENOKI_LOG_LEVEL) ?? configLogLevel(config) ?? defaultLevel;
  const format = env.ENOKI_LOG_FORMAT || (stream.isTTY ? "pretty" : "json");
  if (format === "pretty") return createLogger({ level, destination: prettyLogStream(stream) });
  if (format !== "json") throw new CliError(`ENOKI_LOG_FORMAT must be json or pretty, got ${format}`);
  return stream === process.stderr ? createLogger({ level }) : createLogger({ level, destination: stream });
}

function envLevel(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const level = LOG_LEVELS[value.toLowerCase()];
  if (level === undefined) {
    throw new CliError(`ENOKI_LOG_LEVEL must be one of ${Object.keys(LOG_LEVELS).join(", ")}, got ${value}`);
  }
  return level;
}

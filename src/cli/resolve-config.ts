/**
 * The config a command runs with: the `--config` file (if any), then the broker from, in order of
 * precedence, `--broker`, the `AMQP_URI` environment variable, the file's `AMQP_URI`.
 */

import type { Config } from "../core/config.js";
import { loadConfigFile } from "../core/config-file.js";
import { brokerKind } from "../transport/broker-uri.js";
import { ConfigurationError } from "../util/enoki-error.js";
import type { CommonFlags } from "./parse-command.js";

/**
 * Loads `--config` and applies the broker overrides. Without any of them, `AMQP_URI` stays
 * unset and the default `amqp://guest:guest@localhost` applies.
 */
export async function resolveConfig(
  flags: CommonFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Config> {
  const config = flags.config === undefined ? {} : await loadConfigFile(flags.config, { env });
  const [uri, source] =
    flags.broker !== undefined
      ? [flags.broker, "--broker"]
      : env.AMQP_URI
        ? [env.AMQP_URI, "the AMQP_URI environment variable"]
        : [undefined, undefined];
  if (uri === undefined) return config;
  try {
    brokerKind(uri);
  } catch (err) {
    throw new ConfigurationError(`${(err as Error).message} (from ${source})`, { cause: err });
  }
  return { ...config, AMQP_URI: uri };
}

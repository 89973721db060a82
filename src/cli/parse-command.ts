/**
 * Option parsing for subcommands: `node:util` `parseArgs`, with its errors turned into one-line
 * usage errors.
 */
import { parseArgs } from "node:util";
import { CliError } from "./cli-error.js";

/** The options every command takes: `--config FILE`, `--broker URI`. */
export interface CommonFlags {
  config?: string;
  broker?: string;
  help?: boolean;
  /** `show-config` only: print secrets unmasked. */
  "show-secrets"?: boolean;
  /** `show-config` only: leave out the defaults of keys not set. */
  "no-defaults"?: boolean;
  /** `run` only: restart the services when their code or config changes. */
  watch?: boolean;
  /** `dead-letters` only: print JSON. */
  json?: boolean;
  /** `dead-letters replay` only: every dead letter. */
  all?: boolean;
  /** `dead-letters replay` only: how many (`-n`). */
  count?: string;
}

/** Which of the common options a command accepts. */
export type FlagName =
  | "config"
  | "broker"
  | "show-secrets"
  | "no-defaults"
  | "watch"
  | "json"
  | "all"
  | "count";

const BOOLEAN_FLAGS: ReadonlySet<FlagName> = new Set(["show-secrets", "no-defaults", "watch", "json", "all"]);
const SHORT_FLAGS: Readonly<Partial<Record<FlagName, string>>> = { count: "n" };

/** Parsed arguments of a command. */
export interface ParsedCommand {
  readonly flags: CommonFlags;
  readonly positionals: string[];
}

/**
 * Parses a command's arguments. Unknown options and missing values become a {@link CliError}
 * that says where to find help.
 */
export function parseCommand(
  command: string,
  args: string[],
  accepted: readonly FlagName[],
  allowPositionals = false,
): ParsedCommand {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const name of accepted) {
    const short = SHORT_FLAGS[name];
    options[name] = { type: BOOLEAN_FLAGS.has(name) ? "boolean" : "string", ...(short ? { short } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals, strict: true });
    return { flags: values as CommonFlags, positionals };
  } catch (err) {
    throw new CliError(`${usageProblem(err as Error)} (see enoki ${command} --help)`, { cause: err });
  }
}

function usageProblem(err: Error): string {
  const unknown = /^Unknown option '([^']+)'/.exec(err.message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /^Option '(-\S+)(?:, (-\S+))?[^']*' argument missing/.exec(err.message);
  if (missing) return `option ${missing[2] ?? missing[1]} needs a value`;
  const positional = /^Unexpected argument '([^']+)'/.exec(err.message);
  if (positional) return `unexpected argument ${positional[1]}`;
  return err.message.split("\n")[0] ?? err.message;
}

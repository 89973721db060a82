#!/usr/bin/env node
/**
 * The `enoki` command: `enoki run`, `enoki shell`, `enoki dead-letters`, `enoki show-config`. Each command is imported
 * only when it is used, so `enoki --help` does not load the AMQP client or the REPL.
 */
import { readFileSync } from "node:fs";
import { ConfigurationError } from "../util/enoki-error.js";
import { CliError } from "./cli-error.js";
import type { Command } from "./command.js";
import { loadModule } from "./load-sync.js";

const COMMANDS: Readonly<Record<string, { summary: string; load: () => Promise<Command> }>> = {
  run: {
    summary: "run services: enoki run hello.ts",
    // Synchronously where Node allows: it starts services, and every millisecond counts there.
    load: async () => (await loadModule<typeof import("./run.js")>("./run.js")).runCommand,
  },
  shell: {
    summary: "a REPL connected to the cluster: await n.rpc.greeting_service.hello('world')",
    load: async () => (await import("./shell.js")).shellCommand,
  },
  "dead-letters": {
    summary: "list, show, replay or purge the messages that failed for good in a queue",
    load: async () => (await import("./dead-letters.js")).deadLettersCommand,
  },
  "show-config": {
    summary: "print the config after environment variable substitution, as YAML",
    load: async () => (await import("./show-config.js")).showConfigCommand,
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const commands = Object.entries(COMMANDS)
    .map(([name, { summary }]) => `  ${name.padEnd(width)}   ${summary}`)
    .join("\n");
  return `Usage: enoki <command> [options]

Enoki runs Nameko-compatible microservices written in TypeScript.

Commands:
${commands}

Options:
  -h, --help      show this help (enoki <command> --help for a command's)
  -v, --version   print the version

Example:
  enoki run examples/hello/hello.ts
  enoki shell
`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Runs the CLI with `argv` (the arguments after `enoki`); resolves with the exit code. */
async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(help());
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(help());
    return 0;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (command === undefined) {
      const what = name.startsWith("-") ? `unknown option ${name}` : `unknown command ${name}`;
      throw new CliError(`${what} (see enoki --help)`);
    }
    return await (await command.load()).run(args);
  } catch (err) {
    const prefix = command === undefined ? "enoki" : `enoki ${name}`;
    if (err instanceof CliError || err instanceof ConfigurationError) {
      process.stderr.write(`${prefix}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`${prefix}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

process.exit(await main(process.argv.slice(2)));

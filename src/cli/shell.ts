/**
 * `enoki shell`: a Node REPL connected to the cluster (Nameko's `nameko shell`). It binds nothing
 * on the network: it is a standalone client, with a reply queue on the broker and nothing else.
 */
import { homedir } from "node:os";
import { join } from "node:path";
import repl from "node:repl";
import { DEFAULTS } from "../core/config.js";
import { connect } from "../standalone/cluster.js";
import { maskUri } from "../transport/broker-uri.js";
import { cliLogger } from "./cli-logger.js";
import type { Command } from "./command.js";
import { parseCommand } from "./parse-command.js";
import { resolveConfig } from "./resolve-config.js";
import { type ShellNamespace, shellNamespace } from "./shell-namespace.js";
import { runShellScript } from "./shell-script.js";

const HELP = `Usage: enoki shell [--config FILE] [--broker URI]

Opens a Node REPL connected to the broker, with:
  n.rpc.<service>.<method>(...args)          call a method; await the result
  n.rpc.<service>.<method>.callAsync(...)    send now, await .result() later
  kwargs({ name: "world" })                  keyword arguments (Python's name='world')
  n.dispatchEvent(source, eventType, payload)
  n.config                                   the config
  n.disconnect()
Top-level await works. Tab completes the services and methods that have answered.

With piped input (enoki shell < script.js) the statements run one after another, each
awaited before the next; results print on standard output, errors on standard error,
and the first error ends the script with exit code 1.

Options:
  --config FILE   YAML config, as for enoki run
  --broker URI    the broker (else AMQP_URI from the environment, else from the config);
                  several, tried in turn: "amqp://a;amqp://b"
  -h, --help      show this help

Example:
  enoki shell
  > await n.rpc.greeting_service.hello("world")
  'Hello, world!'
`;

/** `enoki shell`. */
export const shellCommand: Command = {
  help: HELP,
  async run(args) {
    const { flags } = parseCommand("shell", args, ["config", "broker"]);
    if (flags.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const config = await resolveConfig(flags);
    const logger = cliLogger(config, "warn");
    const cluster = await connect({ config, logger });
    const n = shellNamespace(cluster);
    const globals = { n, kwargs: n.kwargs };
    try {
      if (!process.stdin.isTTY) {
        return await runShellScript(globals, {
          input: process.stdin,
          output: process.stdout,
          errors: process.stderr,
        });
      }
      process.stdout.write(banner(config.AMQP_URI ?? DEFAULTS.AMQP_URI));
      await interactive(globals);
      return 0;
    } finally {
      await cluster.close();
    }
  },
};

function banner(uri: string): string {
  return (
    `Enoki shell, broker ${maskUri(uri)}\n` +
    `  await n.rpc.<service>.<method>(...)   n.rpc.<service>.<method>.callAsync(...).result()\n` +
    `  kwargs({ name: "world" })   n.dispatchEvent(source, type, payload)   n.config   .exit to leave\n`
  );
}

function interactive(globals: { n: ShellNamespace; kwargs: ShellNamespace["kwargs"] }): Promise<void> {
  // Ctrl+C abandons a call still waiting for its reply (as `node`'s own REPL does), instead of
  // leaving the prompt dead until the call times out.
  const server = repl.start({ prompt: "> ", ignoreUndefined: true, breakEvalOnSigint: true });
  // Node's REPL shows proxies as `Proxy [target, handler]`; an RPC client should read as one.
  const writer = server.writer as { options?: { showProxy?: boolean } };
  if (writer.options !== undefined) writer.options.showProxy = false;
  const define = () => Object.assign(server.context, globals);
  define();
  server.on("reset", define); // `.clear` makes a fresh context
  server.setupHistory(join(homedir(), ".enoki_shell_history"), () => undefined);
  return new Promise((resolve) => server.on("exit", resolve));
}

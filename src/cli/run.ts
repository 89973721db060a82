/**
 * `enoki run`: runs services in one process until a signal stops them (Nameko's `nameko run`).
 */
import { constants } from "node:os";
import { relative, resolve } from "node:path";
import { type Config, DEFAULTS } from "../core/config.js";
import { serviceNameOf } from "../core/service.js";
import { ServiceRunner } from "../runtime/runner.js";
import { brokerKind, maskUri } from "../transport/broker-uri.js";
import { ConfigurationError } from "../util/enoki-error.js";
import type { Logger } from "../util/logger.js";
import { CliError } from "./cli-error.js";
import { cliLogger } from "./cli-logger.js";
import type { Command } from "./command.js";
import { loadServices, parseServiceSpec, resolveModule } from "./load-services.js";
import { loadModule } from "./load-sync.js";
import { parseCommand } from "./parse-command.js";
import { resolveConfig } from "./resolve-config.js";
import { WATCH_MODULES_ENV } from "./watch-env.js";

const HELP = `Usage: enoki run <module>[:ServiceClass] [more modules] [options]

Runs the services of one or more modules in one process, sharing one broker connection.
A module is a .ts file (compiled as it loads: no build step) or a .js file; "hello" finds
hello.ts or hello.js. Without :ServiceClass, every exported @service class runs.

Options:
  --config FILE   YAML config: Nameko's keys, \${VAR} and \${VAR:default} substitution
  --broker URI    the broker, such as amqp://guest:guest@localhost, or memory:// (in-process)
  --watch         restart the services when a module they load, or the config file, changes
  -h, --help      show this help

The broker is --broker, else the AMQP_URI environment variable, else AMQP_URI in the config
file, else amqp://guest:guest@localhost. Several brokers, "amqp://a;amqp://b" (kombu's
syntax), are tried in turn. An unreachable broker is retried with backoff.

Ctrl+C (SIGINT) or SIGTERM stops gracefully: running calls finish and are answered, then
the process exits. A second signal kills: unfinished calls go back to their queue, for
another instance to answer.

With --watch, the services run in a process of their own, and a change to a module they
loaded (outside node_modules) or to the config file starts a new one, once nothing has
changed for 300 ms (a save that writes several files makes one restart; touching a file
makes one too). The old process first stops gracefully, as on Ctrl+C: running calls finish,
the others wait in their queue for the new one. A module that does not compile is reported,
and the watcher waits for the next change. Ctrl+C stops the services and the watcher. With
memory://, the broker and its messages go with each restart.

Logs go to standard error: JSON lines, or readable lines on a terminal. ENOKI_LOG_LEVEL
(or LOGGING.level in the config) sets the level; ENOKI_LOG_FORMAT=json|pretty the format.

Exit codes: 0 stopped by a signal; 1 a service failed to start or crashed; 2 bad usage,
config or module; 130 or 143 killed by a second SIGINT or SIGTERM.

Examples:
  enoki run examples/hello/hello.ts
  enoki run hello:GreetingService --config config.yml
  enoki run --watch examples/hello/hello.ts
`;

/** `enoki run`. */
export const runCommand: Command = {
  help: HELP,
  async run(args) {
    const { flags, positionals } = parseCommand("run", args, ["config", "broker", "watch"], true);
    if (flags.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (positionals.length === 0) {
      throw new CliError("give the module to run, such as: enoki run hello.ts (see enoki run --help)");
    }
    if (flags.watch) return watch(args, positionals, flags.config);
    // The services import "enoki": load all of it now, synchronously where Node allows (see
    // load-sync.ts), rather than through the asynchronous loader when the first module imports it.
    await loadModule("../index.js");
    const modulesFile = process.env[WATCH_MODULES_ENV];
    // The watcher's code loads only in its processes: a plain `enoki run` starts faster without.
    const watched = modulesFile ? await import("./watch.js") : undefined;
    if (modulesFile) watched?.startWatchedChild(modulesFile); // a child of --watch: tell it what loads
    const config = await resolveConfig(flags);
    const classes = await loadServices(positionals);
    if (modulesFile) watched?.modulesLoaded(modulesFile);
    const logger = cliLogger(config, "info");
    const runner = new ServiceRunner({ config, logger }).add(...classes);
    return serve(
      runner,
      classes.map((cls) => serviceNameOf(cls) as string),
      logger,
    );
  },
};

/**
 * `enoki run --watch`: the watcher. It loads nothing itself (each generation of services runs in
 * a child process, see watch.ts); it checks the modules exist and reads the config for its log.
 */
async function watch(args: readonly string[], modules: readonly string[], configFile: string | undefined) {
  const cwd = process.cwd();
  const files = modules.map((arg) => resolveModule(parseServiceSpec(arg).module, cwd));
  if (configFile !== undefined) files.push(resolve(cwd, configFile));
  let config: Config = {};
  try {
    config = await resolveConfig({ ...(configFile === undefined ? {} : { config: configFile }) });
  } catch {
    // The services' process reports a broken config, and the watcher waits for it to be fixed.
  }
  const logger = cliLogger(config, "info");
  logger.info(
    { watch: files.map((file) => relative(cwd, file) || file) },
    "watching: the services restart when a module they load or the config file changes",
  );
  const { watchServices } = await import("./watch.js");
  return watchServices({ args: args.filter((arg) => arg !== "--watch"), files, logger, cwd });
}

/**
 * Starts the runner and resolves with the exit code once it is over: 0 after a graceful stop,
 * 128 + the signal number after a kill, 1 if a service failed to start or crashed (2 if that was
 * a configuration error, such as a queue that exists with another type).
 */
export function serve(runner: ServiceRunner, names: readonly string[], logger: Logger): Promise<number> {
  const uri = typeof runner.config.AMQP_URI === "string" ? runner.config.AMQP_URI : DEFAULTS.AMQP_URI;
  logger.info({ services: names, broker: maskUri(uri) }, `starting services: ${names.join(", ")}`);
  if (brokerKind(uri) === "memory") {
    logger.info(
      { broker: "memory://" },
      "broker memory://: Enoki's in-process broker; only the services of this process reach it " +
        "(not enoki shell nor other processes), and messages go when it ends",
    );
  }
  return new Promise<number>((resolve) => {
    let signals = 0;
    let started = false;
    let done = false;
    const exit = (code: number) => {
      if (!done) resolve(code);
      done = true;
    };
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals === 1) {
        logger.info({ signal }, `${signal}: stopping gracefully (send it again to kill)`);
        runner.stop().then(
          () => {
            if (signals === 1) exit(0);
          },
          (err: Error) => {
            logger.error({ err }, `graceful stop failed: ${err.message}`);
            exit(1);
          },
        );
        return;
      }
      logger.warn({ signal }, `${signal} again: killing; unfinished messages go back to their queues`);
      void runner.kill().then(() => exit(128 + constants.signals[signal]));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    // Node's default ends the process on a promise nobody awaited (an un-awaited dispatch whose
    // payload cannot be serialized): every service would die with it, and the request that caused
    // it would be redelivered to crash the next instance too. It is a bug in one worker: log it.
    process.on("unhandledRejection", (reason) => {
      logger.error(
        { err: reason },
        `a promise nobody awaited was rejected (a missing await?): ${reason instanceof Error ? reason.message : String(reason)}`,
      );
    });

    runner.start().then(
      () => {
        started = true;
        logger.info({ services: names }, `running services: ${names.join(", ")}`);
      },
      (err: Error) => {
        if (signals > 0) return;
        // A config mistake is the user's to fix, and its message says where: a stack adds nothing.
        const configMistake = err instanceof ConfigurationError;
        logger.error(configMistake ? {} : { err }, `could not start: ${err.message}`);
        exit(configMistake ? 2 : 1);
      },
    );
    void runner.closed.then((reason) => {
      if (signals > 0 || !started) return;
      if (reason !== undefined) logger.error({ err: reason }, `a service crashed: ${reason.message}`);
      // A config mistake found after start (a queue re-declared with another type on reconnect)
      // is no more fixed by a restart than one found at start: say so with the same exit code.
      exit(reason === undefined ? 0 : reason instanceof ConfigurationError ? 2 : 1);
    });
  });
}

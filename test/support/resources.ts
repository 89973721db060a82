/**
 * What a test file starts (runners, clients), stopped in reverse order when the file ends.
 * Create it at the top level of the file: node:test runs an `after` registered inside a test or
 * a hook as soon as that test or hook ends.
 */
import { after } from "node:test";
import {
  type Cluster,
  type Config,
  type ConnectOptions,
  connect,
  runServices,
  type ServiceClass,
  type ServiceRunner,
  silentLogger,
} from "../../src/index.js";

export interface TestResources {
  /** Starts services with a silent logger; stopped when the file ends. */
  runner(classes: ServiceClass[], config: Config): Promise<ServiceRunner>;
  /** Connects a standalone client with a silent logger; closed when the file ends. */
  client(options: ConnectOptions): Promise<Cluster>;
  /** Runs `task` when the file ends. */
  defer(task: () => Promise<unknown>): void;
}

export function testResources(): TestResources {
  const tasks: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const task of tasks.reverse()) await task().catch(() => undefined);
  });
  return {
    async runner(classes, config) {
      const runner = await runServices(classes, { config, logger: silentLogger });
      tasks.push(() => runner.stop());
      return runner;
    },
    async client(options) {
      const cluster = await connect({ logger: silentLogger, ...options });
      tasks.push(() => cluster.close());
      return cluster;
    },
    defer: (task) => void tasks.push(task),
  };
}

/** Something a test opens: a runner, a container or test services (stop), a client or a transport (close). */
type Closable = { stop(): Promise<unknown> } | { close(): Promise<unknown> };

/**
 * For `assert.rejects` on an open that must fail: should it open after all, what it opened is
 * stopped or closed at once (and the assertion fails on the value), so nothing is left running.
 * @example await assert.rejects(closeIfOpened(runServices([Bad], options)), ConfigurationError);
 */
export async function closeIfOpened<T extends Closable>(opening: Promise<T>): Promise<T> {
  const opened = await opening;
  await ("stop" in opened ? opened.stop() : opened.close()).catch(() => undefined);
  return opened;
}

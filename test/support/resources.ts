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

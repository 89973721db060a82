import type { Config } from "../core/config.js";
import { checkConfig, configValue } from "../core/config-keys.js";
import { ServiceContainer } from "../core/container.js";
import type { PhaseTimeouts } from "../core/lifecycle.js";
import { type ServiceClass, serviceNameOf } from "../core/service.js";
import {
  type HealthServer,
  type HealthState,
  healthServerWanted,
  startHealthServer,
} from "../health/health-server.js";
import type { PrometheusMetrics } from "../metrics/prometheus-metrics.js";
import type { MemoryBroker } from "../transport/memory/memory-broker.js";
import type { Transport } from "../transport/transport.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { createLogger, type Logger } from "../util/logger.js";
import { transportFromConfig } from "./create-transport.js";
import { monitorEventLoop } from "./event-loop-monitor.js";

/** Options of a {@link ServiceRunner}. */
export interface RunnerOptions {
  config?: Config;
  /** Use this transport instead of connecting to `config.AMQP_URI`; the runner will not close it. */
  transport?: Transport;
  /**
   * The broker an `AMQP_URI` of `memory://` connects to. Default: a new one, private to this
   * runner (its services still call each other); give several runners (and `connect()` clients)
   * the same instance to let them talk.
   */
  memoryBroker?: MemoryBroker;
  logger?: Logger;
  phaseTimeouts?: Partial<PhaseTimeouts>;
}

/** Runs services together; one process, one connection. */
export class ServiceRunner implements AsyncDisposable {
  readonly config: Config;
  readonly logger: Logger;
  /** Resolves once every container has stopped, with the first kill reason if any. */
  readonly closed: Promise<Error | undefined>;
  readonly #classes: ServiceClass[] = [];
  readonly #options: RunnerOptions;
  #containers: ServiceContainer[] = [];
  readonly #shared = new Map<string, unknown>();
  #transport: Transport | undefined;
  #health: HealthServer | undefined;
  #metrics: PrometheusMetrics | undefined;
  #stopMonitor: (() => void) | undefined;
  #resolveClosed!: (reason: Error | undefined) => void;
  #started = false;

  constructor(options: RunnerOptions = {}) {
    this.#options = options;
    this.config = options.config ?? {};
    checkConfig(this.config);
    this.logger = options.logger ?? createLogger();
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /** Adds a service class. Before `start` only. */
  add(...classes: ServiceClass[]): this {
    if (this.#started) throw new Error("Cannot add services to a runner that has started");
    for (const cls of classes) {
      const name = serviceNameOf(cls);
      if (name === undefined)
        throw new ConfigurationError(`${cls.name} is not a service: decorate it with @service(name)`);
      if (this.#classes.some((c) => serviceNameOf(c) === name)) {
        throw new ConfigurationError(`Two services are named ${name}`);
      }
      this.#classes.push(cls);
    }
    return this;
  }

  /** The running containers. */
  get containers(): readonly ServiceContainer[] {
    return this.#containers;
  }

  /** The container of a service, by name. */
  container(name: string): ServiceContainer | undefined {
    return this.#containers.find((c) => c.serviceName === name);
  }

  /** The broker transport (after `start`). */
  get transport(): Transport | undefined {
    return this.#transport;
  }

  /** The health server, when `HEALTH_ADDRESS` is configured (from `start` on). */
  get health(): HealthServer | undefined {
    return this.#health;
  }

  /** What the health server's readiness is decided on. */
  healthState(): HealthState {
    const services = Object.fromEntries(this.#containers.map((c) => [c.serviceName, c.state]));
    return { transport: this.#transport?.status, services };
  }

  /**
   * Connects (waiting for the broker if need be) and starts every service. The health server,
   * if configured, answers from the start: live at once, ready once everything runs.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error("The runner has already started");
    this.#started = true;
    const transport = this.#options.transport ?? this.#connect();
    this.#transport = transport;
    try {
      // Built before waiting for the broker: a bad config fails now, not once RabbitMQ is up.
      this.#containers = this.#classes.map(
        (cls) =>
          new ServiceContainer(cls, {
            config: this.config,
            transport,
            logger: this.logger,
            runnerShared: this.#shared,
            ...(this.#options.phaseTimeouts ? { phaseTimeouts: this.#options.phaseTimeouts } : {}),
          }),
      );
      this.#metrics = await this.#createMetrics(transport);
      const scrape = this.#metrics === undefined ? undefined : this.#metrics.scrape.bind(this.#metrics);
      this.#health = await startHealthServer(this.config, () => this.healthState(), this.logger, scrape);
      this.#stopMonitor = this.#monitor();
      await transport.ready();
    } catch (err) {
      await this.#release();
      this.#resolveClosed(err as Error);
      throw err;
    }
    void this.#watch();
    try {
      await Promise.all(this.#containers.map((c) => c.start()));
    } catch (err) {
      await this.kill(err as Error);
      throw err;
    }
  }

  /** Stops every service gracefully, then closes the connection. */
  async stop(): Promise<void> {
    await Promise.all(this.#containers.map((c) => c.stop()));
    await this.#release();
  }

  /** Kills every service: unfinished messages go back to their queues. */
  async kill(reason?: Error): Promise<void> {
    await Promise.all(this.#containers.map((c) => c.kill(reason)));
    await this.#release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // Metrics are served by the health server: where there is none, nothing is counted, and
  // prom-client is not even loaded (it costs startup time a service without metrics should not pay).
  async #createMetrics(transport: Transport): Promise<PrometheusMetrics | undefined> {
    if (!healthServerWanted(this.config)) return undefined;
    if (configValue(this.config, "METRICS") !== true) return undefined;
    const { PrometheusMetrics } = await import("../metrics/prometheus-metrics.js");
    const containers = this.#containers;
    return new PrometheusMetrics({
      services: new Set(containers.map((c) => c.serviceName)),
      pools: () =>
        containers.map((c) => ({
          service: c.serviceName,
          size: c.pool.size,
          active: c.pool.active,
          waiting: c.pool.waiting,
        })),
      transport,
    });
  }

  #monitor(): (() => void) | undefined {
    const seconds = configValue(this.config, "EVENT_LOOP_LAG_WARNING") as number;
    if (seconds === 0) return undefined; // 0 turns the warning off
    return monitorEventLoop({
      warnAfterMs: seconds * 1000,
      heartbeatSeconds: configValue(this.config, "HEARTBEAT") as number,
      logger: this.logger,
    });
  }

  #connect(): Transport {
    const transport = transportFromConfig(this.config, {
      logger: this.logger,
      connectionName: "enoki",
      memoryBroker: this.#options.memoryBroker,
    });
    this.logger.info({ broker: transport.description }, `connecting to ${transport.description}`);
    return transport;
  }

  // Crash-only: when one container dies, the runner takes the others down with it.
  async #watch(): Promise<void> {
    const reasons = await Promise.all(
      this.#containers.map(async (c) => {
        const reason = await c.closed;
        if (reason !== undefined) void this.kill(reason);
        return reason;
      }),
    );
    await this.#release();
    this.#resolveClosed(reasons.find((r) => r !== undefined));
  }

  async #release(): Promise<void> {
    this.#stopMonitor?.();
    this.#metrics?.close();
    await this.#health?.close();
    if (this.#options.transport === undefined) await this.#transport?.close();
  }
}

/**
 * Starts services in one runner.
 * @example
 * const runner = await runServices([GreetingService], { config: { AMQP_URI: "amqp://localhost" } });
 */
export async function runServices(
  classes: ServiceClass[],
  options: RunnerOptions = {},
): Promise<ServiceRunner> {
  const runner = new ServiceRunner(options).add(...classes);
  await runner.start();
  return runner;
}

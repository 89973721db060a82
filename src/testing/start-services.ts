/**
 * Running services in a test: `createServices` / `startServices`, over the in-memory broker by
 * default, with clients, and a stop that always cleans up.
 */

import type { Config } from "../core/config.js";
import { ServiceContainer } from "../core/container.js";
import type { PhaseTimeouts } from "../core/lifecycle.js";
import { formatListenAddress } from "../core/listen-address.js";
import { type ServiceClass, serviceNameOf } from "../core/service.js";
import { HttpServer } from "../http/server.js";
import type { ClusterRpc, RpcClient, ServiceClient } from "../rpc/types.js";
import { transportFromConfig } from "../runtime/create-transport.js";
import { type Cluster, connect } from "../standalone/cluster.js";
import { MemoryBroker } from "../transport/memory/memory-broker.js";
import type { Transport } from "../transport/transport.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { type Logger, silentLogger } from "../util/logger.js";

/** Options of {@link createServices} and {@link startServices}. */
export interface TestServicesOptions {
  /**
   * `"memory"` (the default): a new in-memory broker, private to these services, so tests never
   * see each other's messages. Or a broker URI (`amqp://...`) to run on RabbitMQ. It becomes the
   * config's `AMQP_URI`.
   */
  readonly transport?: string;
  /** With `transport: "memory"`: this broker instead of a new one (to share it with a runner). */
  readonly memoryBroker?: MemoryBroker;
  /**
   * The services' config. `WEB_SERVER_ADDRESS` defaults to `127.0.0.1:0` (a free port; see
   * {@link TestServices.httpUrl}) rather than Nameko's `0.0.0.0:8000`.
   */
  readonly config?: Config;
  /** Default: silent. */
  readonly logger?: Logger;
  readonly phaseTimeouts?: Partial<PhaseTimeouts>;
}

const MEMORY_URI = "memory://";

/**
 * Services running in a test, with clients for them. Made by {@link createServices} (not started:
 * replace dependencies and restrict entrypoints first) or {@link startServices}. Stopping stops
 * every container, closes the clients and the connection; use `await using` so it always
 * happens.
 */
export class TestServices implements AsyncDisposable {
  /** The services' config: the given one, with `AMQP_URI` and the `WEB_SERVER_ADDRESS` default. */
  readonly config: Config;
  /** The one connection the services and clients share. */
  readonly transport: Transport;
  /** The in-memory broker (inspect its queues with `queue(name)`); `undefined` on RabbitMQ. */
  readonly memoryBroker: MemoryBroker | undefined;
  /** One container per service, in the order given. */
  readonly containers: readonly ServiceContainer[];
  readonly #logger: Logger;
  readonly #runnerShared = new Map<string, unknown>();
  #cluster: Cluster | undefined;
  #state: "created" | "starting" | "running" | "stopped" = "created";

  /** @internal use {@link createServices} */
  constructor(classes: readonly ServiceClass[], options: TestServicesOptions = {}) {
    const uri =
      options.transport === undefined || options.transport === "memory" ? MEMORY_URI : options.transport;
    const memory = /^memory:/i.test(uri);
    this.memoryBroker = memory ? (options.memoryBroker ?? new MemoryBroker()) : undefined;
    this.config = { WEB_SERVER_ADDRESS: "127.0.0.1:0", ...options.config, AMQP_URI: uri };
    this.#logger = options.logger ?? silentLogger;
    const names = new Set<string>();
    for (const cls of classes) {
      const name = serviceNameOf(cls);
      if (name === undefined)
        throw new ConfigurationError(`${cls.name} is not a service: decorate it with @service(name)`);
      if (names.has(name)) throw new ConfigurationError(`Two services are named ${name}`);
      names.add(name);
    }
    this.transport = transportFromConfig(this.config, {
      logger: this.#logger,
      connectionName: "enoki testing",
      memoryBroker: this.memoryBroker,
      uri,
    });
    try {
      this.containers = classes.map(
        (cls) =>
          new ServiceContainer(cls, {
            config: this.config,
            transport: this.transport,
            logger: this.#logger,
            runnerShared: this.#runnerShared,
            ...(options.phaseTimeouts ? { phaseTimeouts: options.phaseTimeouts } : {}),
          }),
      );
    } catch (err) {
      // A connection to RabbitMQ is already being opened: it would keep the process alive.
      void this.transport.close();
      throw err;
    }
  }

  /**
   * The container of a service, typed when given its class (so that `entrypointHook`,
   * `replaceDependencies` and the other helpers check names and types).
   * @throws Error when the service is not one of these.
   */
  container<S extends object>(service: ServiceClass<S>): ServiceContainer<S>;
  container(service: string): ServiceContainer;
  container(service: ServiceClass | string): ServiceContainer {
    const name = typeof service === "string" ? service : serviceNameOf(service);
    const found = this.containers.find((c) => c.serviceName === name);
    if (found === undefined) {
      const known = this.containers.map((c) => c.serviceName).join(", ");
      throw new Error(
        `${String(name ?? (service as ServiceClass).name)} is not one of these services (${known})`,
      );
    }
    return found;
  }

  /** Untyped clients of every service by name (after `start`): `services.rpc.airports.get("LHR")`. */
  get rpc(): ClusterRpc {
    return this.#client().rpc;
  }

  /**
   * A client of one service (after `start`), typed when given its class or its type.
   * @example const airports = services.service(Airports); await airports.get("LHR");
   */
  service<S extends object>(service: ServiceClass<S>): RpcClient<S>;
  service<S = unknown>(name: string): ServiceClient<S>;
  service(service: ServiceClass | string): unknown {
    const name = typeof service === "string" ? service : serviceNameOf(service);
    if (name === undefined) throw new Error(`${(service as ServiceClass).name} is not a service`);
    return this.#client().service(name);
  }

  /** Dispatches an event as service `source` would (after `start`), like `Cluster.dispatchEvent`. */
  dispatchEvent(source: string, eventType: string, payload: unknown): Promise<void> {
    return this.#client().dispatchEvent(source, eventType, payload);
  }

  /**
   * `http://<host>:<port>` of the HTTP server the services' `@http` entrypoints listen on (with
   * the port the system picked for `WEB_SERVER_ADDRESS` port 0).
   * @throws Error when no HTTP server is listening.
   */
  get httpUrl(): string {
    for (const value of this.#runnerShared.values()) {
      const address = value instanceof HttpServer ? value.address : undefined;
      if (address !== undefined) return `http://${formatListenAddress(address)}`;
    }
    throw new Error("No HTTP server is listening: none of these services has a running @http entrypoint");
  }

  /**
   * Connects, starts every container, and opens the clients. If one container fails to start,
   * everything is stopped and this rejects with its error.
   */
  async start(): Promise<this> {
    if (this.#state !== "created") throw new Error("These services have already been started");
    this.#state = "starting";
    try {
      await this.transport.ready();
      await Promise.all(this.containers.map((c) => c.start()));
      this.#cluster = await connect({ transport: this.transport, config: this.config, logger: this.#logger });
    } catch (err) {
      await this.kill();
      throw err;
    }
    this.#state = "running";
    return this;
  }

  /** Stops every container gracefully, then closes the clients and the connection. Idempotent. */
  async stop(): Promise<void> {
    await this.#close((c) => c.stop());
  }

  /** Kills every container (unfinished messages go back to their queues), then closes. */
  async kill(): Promise<void> {
    await this.#close((c) => c.kill());
  }

  /** `stop()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async #close(end: (container: ServiceContainer) => Promise<void>): Promise<void> {
    if (this.#state === "stopped") return;
    this.#state = "stopped";
    await Promise.all(this.containers.map(end));
    await this.#cluster?.close();
    await this.transport.close();
  }

  #client(): Cluster {
    if (this.#cluster === undefined) throw new Error("Start the services first: clients open on start");
    return this.#cluster;
  }
}

/**
 * Builds the containers of some services, without starting them: replace dependencies and
 * restrict entrypoints, then `await services.start()`. Over a new in-memory broker unless
 * `transport` names a broker URI.
 * @example
 * await using services = createServices([Gateway]);
 * replaceDependencies(services.container(Gateway), { airports: { get: async (id: string) => ({ id }) } });
 * await services.start();
 */
export function createServices(
  classes: readonly ServiceClass[],
  options: TestServicesOptions = {},
): TestServices {
  return new TestServices(classes, options);
}

/**
 * Starts some services for a test, over a new in-memory broker (unless `transport` names a broker
 * URI), with clients for them. Use `await using`, so that they always stop.
 * @example
 * await using services = await startServices([Airports, Trips]);
 * const trip = await services.service(Trips).book("LHR", "CDG");
 */
export async function startServices(
  classes: readonly ServiceClass[],
  options: TestServicesOptions = {},
): Promise<TestServices> {
  return createServices(classes, options).start();
}

/**
 * The standalone client: RPC (and events) for code outside services, such as scripts, web apps
 * and the shell. Nameko's `ClusterRpcProxy`.
 */
import { randomUUID } from "node:crypto";
import { type Config, containerSettings } from "../core/config.js";
import { checkConfig } from "../core/config-keys.js";
import { OutgoingHeaders } from "../core/outgoing-headers.js";
import { parentStack } from "../core/worker-context.js";
import { EventPublisher, type UnroutableEventPolicy } from "../events/event-publisher.js";
import { RpcCaller } from "../rpc/caller.js";
import { clusterRpc, serviceClient } from "../rpc/client.js";
import { ReplyListener } from "../rpc/reply-listener.js";
import type { ClusterRpc, ServiceClient, UntypedRpcClient } from "../rpc/types.js";
import { transportFromConfig } from "../runtime/create-transport.js";
import type { TlsOptions } from "../transport/broker-uri.js";
import type { MemoryBroker } from "../transport/memory/memory-broker.js";
import type { Transport } from "../transport/transport.js";
import { createLogger, type Logger } from "../util/logger.js";
import { CALL_ID_STACK_KEY, contextHeaders } from "../wire/context-headers.js";
import { rpcExchange, STANDALONE_PROXY, standaloneCallId } from "../wire/names.js";

/** Options of {@link connect}. */
export interface ConnectOptions {
  /**
   * Broker URI, or several tried in turn (`amqp://a;amqp://b`, as in `AMQP_URI`). Default:
   * `config.AMQP_URI`, else `amqp://guest:guest@localhost`.
   */
  uri?: string;
  /** Config keys such as `rpc_exchange`, `RPC_TIMEOUT`, `parent_calls_tracked`. */
  config?: Config;
  /**
   * Context data sent with every call (`language`, `user_id`, `auth_token`, ...). A
   * `call_id_stack` entry continues an existing call chain.
   */
  contextData?: Record<string, unknown>;
  /** Default call timeout in milliseconds; 0 waits forever. Default: `RPC_TIMEOUT` (30 s). */
  timeoutMs?: number;
  /** An event that no queue receives: log a warning (default) or throw `UndeliverableMessage`. */
  unroutableEvents?: UnroutableEventPolicy;
  /** TLS settings for an `amqps://` broker. Default: from `config.AMQP_SSL`. */
  tls?: TlsOptions;
  /** Use this transport (shared, or in memory) instead of opening a connection. */
  transport?: Transport;
  /**
   * The broker a `memory://` URI connects to: the one the services were given. Default: a new,
   * empty one (where every call fails with `UnknownService`).
   */
  memoryBroker?: MemoryBroker;
  /** Default: JSON lines on standard error, warnings and errors only (`ENOKI_LOG_LEVEL` to change). */
  logger?: Logger;
}

/** A connection to the cluster for code outside services. */
export class Cluster implements AsyncDisposable {
  /** Clients of every service by name: `await cluster.rpc.greeting_service.hello("world")`. */
  readonly rpc: ClusterRpc;
  readonly config: Config;
  readonly transport: Transport;
  /** What extensions add to the headers of every call and event this client sends. */
  readonly outgoingHeaders = new OutgoingHeaders();
  readonly #caller: RpcCaller;
  readonly #listener: ReplyListener;
  readonly #events: EventPublisher;
  readonly #headers: Readonly<Record<string, unknown>>;
  readonly #timeoutMs: number;
  readonly #ownsTransport: boolean;
  readonly #clients = new Map<string, UntypedRpcClient>();
  readonly #methods = new Map<string, Set<string>>();

  /** @internal use {@link connect} */
  constructor(transport: Transport, ownsTransport: boolean, options: ConnectOptions, logger: Logger) {
    this.transport = transport;
    this.#ownsTransport = ownsTransport;
    this.config = options.config ?? {};
    const settings = containerSettings(this.config);
    const serializer = settings.serializer;
    const exchange = rpcExchange(settings.rpcExchange);
    this.#listener = new ReplyListener(transport, STANDALONE_PROXY, exchange, logger, settings.rpcPersistent);
    this.#caller = new RpcCaller(
      transport,
      this.#listener,
      exchange.name,
      serializer,
      settings.rpcPersistent,
    );
    this.#events = new EventPublisher(transport, serializer, logger, {
      onUnroutable: options.unroutableEvents ?? "warn",
      declareExchanges: settings.declareEventExchanges,
      autoDeleteExchanges: settings.autoDeleteEventExchanges,
    });
    this.#timeoutMs = options.timeoutMs ?? settings.rpcTimeoutMs;
    this.#headers = seedHeaders(options.contextData ?? {}, settings.parentCallsTracked);
    this.rpc = clusterRpc(
      (name) => this.#client(name),
      () => this.#clients.keys(),
    );
  }

  /** Declares the reply queue. */
  async start(): Promise<void> {
    await this.#listener.ready();
  }

  /**
   * A client of one service; typed when the service class is given as the type argument.
   * @example const airports = cluster.service<AirportsService>("airports_service");
   */
  service<S = unknown>(name: string): ServiceClient<S> {
    return this.#client(name) as ServiceClient<S>;
  }

  /**
   * Dispatches an event as if `source` had, like Nameko's standalone `event_dispatcher`: no
   * context headers. Unlike Nameko's, the source's event exchange is declared first (unless
   * config `DECLARE_EVENT_EXCHANGES` is false), so this works before any handler has ever run,
   * and an event that no queue receives is logged as a warning (or thrown, with
   * `unroutableEvents: "throw"`) instead of vanishing.
   * @example await cluster.dispatchEvent("airports_service", "airport_created", { id: "x" });
   */
  async dispatchEvent(source: string, eventType: string, payload: unknown): Promise<void> {
    const headers = this.outgoingHeaders.make(NO_HEADERS, {
      kind: "event",
      target: `${source}.${eventType}`,
    });
    await this.#events.publish(source, eventType, payload, headers);
  }

  /** Services and methods called so far (for the shell's completion). */
  get seen(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.#methods;
  }

  /** Fails calls still waiting and closes the connection (if this client opened it). */
  async close(): Promise<void> {
    await this.#listener.stop();
    if (this.#ownsTransport) await this.transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #client(service: string): UntypedRpcClient {
    let client = this.#clients.get(service);
    if (client === undefined) {
      const methods = new Set<string>();
      this.#methods.set(service, methods);
      client = serviceClient(
        service,
        (method, args, kwargs, options) =>
          this.#caller.call({
            service,
            method,
            args,
            kwargs,
            headers: this.outgoingHeaders.make(this.#headers, {
              kind: "rpc",
              target: `${service}.${method}`,
            }),
            timeoutMs: options.timeoutMs ?? this.#timeoutMs,
          }),
        (method) => methods.add(method),
      );
      this.#clients.set(service, client);
    }
    return client;
  }
}

// Nameko 2.14 seeds every call of one proxy with the same `standalone_rpc_proxy.call.<uuid>`.
function seedHeaders(contextData: Record<string, unknown>, tracked: number): Record<string, unknown> {
  const { [CALL_ID_STACK_KEY]: parents, ...data } = contextData;
  return contextHeaders(data, [...parentStack(parents, tracked), standaloneCallId(randomUUID())]);
}

/**
 * Connects to the cluster for calls from outside any service.
 *
 * @example
 * await using cluster = await connect({ uri: "amqp://guest:guest@localhost" });
 * console.log(await cluster.rpc.greeting_service.hello("world"));
 */
export async function connect(options: ConnectOptions = {}): Promise<Cluster> {
  // A client lives inside someone else's program (a script, a web app): it speaks up for
  // warnings and errors only, unless ENOKI_LOG_LEVEL says otherwise.
  const logger = options.logger ?? createLogger({ level: process.env.ENOKI_LOG_LEVEL || "warn" });
  // Every key in the table, checked before anything connects.
  checkConfig(options.config ?? {});
  const transport =
    options.transport ??
    transportFromConfig(options.config ?? {}, {
      logger,
      connectionName: "enoki standalone",
      memoryBroker: options.memoryBroker,
      uri: options.uri,
      tls: options.tls,
    });
  let cluster: Cluster;
  try {
    cluster = new Cluster(transport, options.transport === undefined, options, logger);
  } catch (err) {
    // A bad config must not leave the connection we opened running (it keeps the process alive).
    if (options.transport === undefined) await transport.close();
    throw err;
  }
  try {
    await transport.ready();
    await cluster.start();
  } catch (err) {
    await cluster.close().catch(() => undefined);
    throw err;
  }
  return cluster;
}

const NO_HEADERS: Readonly<Record<string, unknown>> = Object.freeze({});

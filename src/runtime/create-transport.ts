/**
 * Choosing a transport from a broker URI: RabbitMQ for `amqp://`, `amqps://` and Nameko's
 * `pyamqp://`; the in-memory broker for `memory://`.
 */
import { AmqpTransport, type AmqpTransportOptions } from "../amqp/amqp-transport.js";
import { tlsOptions } from "../amqp/tls-config.js";
import type { Config } from "../core/config.js";
import { configValue, DEFAULTS } from "../core/config-keys.js";
import type { TlsOptions } from "../transport/broker-uri.js";
import { brokerKind } from "../transport/broker-uri.js";
import { MemoryBroker } from "../transport/memory/memory-broker.js";
import { MemoryTransport } from "../transport/memory/memory-transport.js";
import type { Transport } from "../transport/transport.js";
import type { Logger } from "../util/logger.js";

/** Options of {@link createTransport}: the AMQP transport's, plus the broker for `memory://`. */
export interface CreateTransportOptions extends Omit<AmqpTransportOptions, "uri"> {
  /**
   * The broker a `memory://` URI connects to. Default: a new one, which only this transport can
   * reach. Runners and clients that should talk to each other need the same instance.
   */
  memoryBroker?: MemoryBroker;
}

/**
 * Creates the transport for a broker URI (connecting in the background: await `ready()`).
 * `memory://` takes no host or path: which broker it reaches is decided by `memoryBroker` alone.
 *
 * @example
 * const transport = createTransport(config.AMQP_URI ?? DEFAULTS.AMQP_URI, { logger });
 * await transport.ready();
 * @example
 * const broker = new MemoryBroker();
 * const a = createTransport("memory://", { memoryBroker: broker }); // a and b share one broker
 * const b = createTransport("memory://", { memoryBroker: broker });
 */
export function createTransport(uri: string, options: CreateTransportOptions = {}): Transport {
  const { memoryBroker, ...amqpOptions } = options;
  if (brokerKind(uri) === "memory") {
    return new MemoryTransport({
      broker: memoryBroker ?? new MemoryBroker(),
      ...(amqpOptions.logger ? { logger: amqpOptions.logger } : {}),
    });
  }
  return new AmqpTransport({ ...amqpOptions, uri });
}

/** What {@link transportFromConfig} needs besides the config. */
export interface TransportFromConfigOptions {
  readonly logger: Logger;
  /** Shown in the broker's connection list. */
  readonly connectionName: string;
  readonly memoryBroker?: MemoryBroker | undefined;
  /** Overrides the broker URI of the config (`AMQP_URI`). */
  readonly uri?: string | undefined;
  /** Overrides the TLS settings of the config (`AMQP_SSL`). */
  readonly tls?: TlsOptions | undefined;
}

/**
 * The transport a config describes: `AMQP_URI` (default `amqp://guest:guest@localhost`),
 * `HEARTBEAT` and `AMQP_SSL`. The one place runners, standalone clients and test services read
 * those keys.
 */
export function transportFromConfig(config: Config, options: TransportFromConfigOptions): Transport {
  const uri = options.uri ?? (typeof config.AMQP_URI === "string" ? config.AMQP_URI : DEFAULTS.AMQP_URI);
  const tls = options.tls ?? tlsOptions(config.AMQP_SSL);
  return createTransport(uri, {
    heartbeat: configValue(config, "HEARTBEAT") as number,
    logger: options.logger,
    connectionName: options.connectionName,
    ...(options.memoryBroker ? { memoryBroker: options.memoryBroker } : {}),
    ...(tls ? { tls } : {}),
  });
}

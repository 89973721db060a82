/**
 * A service's config: Nameko's keys plus Enoki's (`config-keys.ts` has the table), so one config
 * file serves Python and TypeScript services. A config is a plain object, loaded once and passed
 * down; never a global.
 */

import type { QueueType } from "../transport/queue-type.js";
import { type Serializer, serializerByName } from "../wire/json.js";
import { type ConfigKeyName, configValue, DEFAULTS } from "./config-keys.js";

export { DEFAULTS } from "./config-keys.js";

/** A service config: Nameko's keys plus Enoki's, and anything else a service reads. */
export interface Config {
  /** Broker URI. Default `amqp://guest:guest@localhost`. */
  AMQP_URI?: string;
  /** HTTP server address, `[host:]port`. Default `0.0.0.0:8000`. */
  WEB_SERVER_ADDRESS?: string;
  /** Concurrent workers per container. Default 10. */
  max_workers?: number;
  /** Parent call ids kept in `call_id_stack`. Default 10. */
  parent_calls_tracked?: number;
  /** RPC exchange name. Default `nameko-rpc`. */
  rpc_exchange?: string;
  /** Body serializer name. Default `json`. */
  serializer?: string;
  /** AMQP heartbeat in seconds. Default 60. */
  HEARTBEAT?: number;
  /** Prefetch per consumer (Nameko 3). Default: `max_workers`, as in Nameko 2. */
  PREFETCH_COUNT?: number;
  /** Default RPC call timeout in seconds; 0 waits forever. Default 30. */
  RPC_TIMEOUT?: number;
  /**
   * Send RPC requests persistent (delivery mode 2, as Nameko). `false` sends them transient:
   * faster (the broker writes nothing to disk), but a broker restart loses calls in flight.
   * Services answer in kind: a reply is as persistent as its request. Default true.
   */
  RPC_PERSISTENT?: boolean;
  /**
   * The type of the service's durable queues: `classic` (default), declared as Nameko declares
   * them, or `quorum`, replicated over a RabbitMQ cluster. Entrypoints may override it.
   */
  QUEUE_TYPE?: QueueType;
  /** Largest message body a consumer accepts; larger ones are refused (0: no limit). Default 16 MiB. */
  MAX_MESSAGE_BYTES?: number;
  /** Runs of a retried event or `@consume` message before it is dead-lettered; 0: no limit. Default 5. */
  MESSAGE_MAX_ATTEMPTS?: number;
  /** Warn when the event loop was blocked this long, in seconds; 0 turns it off. Default 1. */
  EVENT_LOOP_LAG_WARNING?: number;
  /** `false`: never declare `<service>.events` exchanges, expect them to exist. Default true. */
  DECLARE_EVENT_EXCHANGES?: boolean;
  /** Declare `<service>.events` exchanges auto-delete. Default false. */
  AUTO_DELETE_EVENT_EXCHANGES?: boolean;
  [key: string]: unknown;
}

/** The settings a container runs with, validated. */
export interface ContainerSettings {
  readonly maxWorkers: number;
  readonly prefetch: number;
  readonly parentCallsTracked: number;
  readonly rpcExchange: string;
  /** The body codec named by `serializer`. */
  readonly serializer: Serializer;
  readonly rpcTimeoutMs: number;
  readonly maxMessageBytes: number;
  /** Config `MESSAGE_MAX_ATTEMPTS`: runs of a retried message before it is dead-lettered (0: no limit). */
  readonly messageMaxAttempts: number;
  readonly rpcPersistent: boolean;
  /** Config `DECLARE_EVENT_EXCHANGES` (Nameko skips declaring only when it is exactly false). */
  readonly declareEventExchanges: boolean;
  /** Config `AUTO_DELETE_EVENT_EXCHANGES`. */
  readonly autoDeleteEventExchanges: boolean;
  /** Config `QUEUE_TYPE`: the type of the service's durable queues, unless an entrypoint says. */
  readonly queueType: QueueType;
}

/** Reads and validates the container settings of a config. */
export function containerSettings(config: Config): ContainerSettings {
  const read = (name: ConfigKeyName) => configValue(config, name);
  // Nameko treats max_workers 0 as the default.
  const maxWorkers = (read("max_workers") as number) || DEFAULTS.max_workers;
  return {
    maxWorkers,
    prefetch: (read("PREFETCH_COUNT") as number | undefined) || maxWorkers,
    parentCallsTracked: read("parent_calls_tracked") as number,
    rpcExchange: read("rpc_exchange") as string,
    serializer: serializerByName(read("serializer") as string) as Serializer,
    rpcTimeoutMs: Math.round((read("RPC_TIMEOUT") as number) * 1000),
    maxMessageBytes: read("MAX_MESSAGE_BYTES") as number,
    messageMaxAttempts: read("MESSAGE_MAX_ATTEMPTS") as number,
    rpcPersistent: read("RPC_PERSISTENT") as boolean,
    declareEventExchanges: read("DECLARE_EVENT_EXCHANGES") as boolean,
    autoDeleteEventExchanges: read("AUTO_DELETE_EVENT_EXCHANGES") as boolean,
    queueType: read("QUEUE_TYPE") as QueueType,
  };
}

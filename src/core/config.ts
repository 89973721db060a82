/**
 * Config keys and defaults, shared with Nameko so one config file serves Python and TypeScript
 * services. A config is a plain object, loaded once and passed down; never a global.
 */

import { ConfigurationError } from "../util/enoki-error.js";
import { type Serializer, serializerByName, serializerNames } from "../wire/json.js";

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
  /** Largest message body a consumer accepts; larger ones are refused (0: no limit). Default 16 MiB. */
  MAX_MESSAGE_BYTES?: number;
  /** Warn when the event loop was blocked this long, in seconds; 0 turns it off. Default 1. */
  EVENT_LOOP_LAG_WARNING?: number;
  /** `false`: never declare `<service>.events` exchanges, expect them to exist. Default true. */
  DECLARE_EVENT_EXCHANGES?: boolean;
  /** Declare `<service>.events` exchanges auto-delete. Default false. */
  AUTO_DELETE_EVENT_EXCHANGES?: boolean;
  [key: string]: unknown;
}

/** The defaults Enoki and Nameko share. */
export const DEFAULTS = {
  AMQP_URI: "amqp://guest:guest@localhost",
  WEB_SERVER_ADDRESS: "0.0.0.0:8000",
  max_workers: 10,
  parent_calls_tracked: 10,
  rpc_exchange: "nameko-rpc",
  serializer: "json",
  HEARTBEAT: 60,
  RPC_TIMEOUT: 30,
  EVENT_LOOP_LAG_WARNING: 1,
  MAX_MESSAGE_BYTES: 16 * 1024 * 1024,
  RPC_PERSISTENT: true,
} as const;

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
  readonly rpcPersistent: boolean;
  /** Config `DECLARE_EVENT_EXCHANGES` (Nameko skips declaring only when it is exactly false). */
  readonly declareEventExchanges: boolean;
  /** Config `AUTO_DELETE_EVENT_EXCHANGES`. */
  readonly autoDeleteEventExchanges: boolean;
}

/** Reads and validates the container settings of a config. */
export function containerSettings(config: Config): ContainerSettings {
  // Nameko treats max_workers 0 as the default.
  const maxWorkers = nonNegativeInt(config, "max_workers", DEFAULTS.max_workers) || DEFAULTS.max_workers;
  return {
    maxWorkers,
    prefetch: nonNegativeInt(config, "PREFETCH_COUNT", maxWorkers) || maxWorkers,
    parentCallsTracked: nonNegativeInt(config, "parent_calls_tracked", DEFAULTS.parent_calls_tracked),
    rpcExchange: nonEmptyString(config, "rpc_exchange", DEFAULTS.rpc_exchange),
    serializer: serializerFor(nonEmptyString(config, "serializer", DEFAULTS.serializer)),
    rpcTimeoutMs: Math.round(nonNegativeNumber(config, "RPC_TIMEOUT", DEFAULTS.RPC_TIMEOUT) * 1000),
    maxMessageBytes: nonNegativeInt(config, "MAX_MESSAGE_BYTES", DEFAULTS.MAX_MESSAGE_BYTES),
    rpcPersistent: optionalBoolean(config, "RPC_PERSISTENT", DEFAULTS.RPC_PERSISTENT),
    declareEventExchanges: optionalBoolean(config, "DECLARE_EVENT_EXCHANGES", true),
    autoDeleteEventExchanges: optionalBoolean(config, "AUTO_DELETE_EVENT_EXCHANGES", false),
  };
}

/** Reads an optional boolean key (absent or null gives `fallback`). */
export function optionalBoolean(config: Config, key: string, fallback: boolean): boolean {
  const value = config[key] ?? fallback;
  if (typeof value !== "boolean") {
    throw new ConfigurationError(`Config key ${key} must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

function serializerFor(name: string): Serializer {
  const serializer = serializerByName(name);
  if (serializer === undefined) {
    throw new ConfigurationError(
      `Unknown serializer ${JSON.stringify(name)} (Enoki has: ${serializerNames().join(", ")})`,
    );
  }
  return serializer;
}

/** Reads an optional non-negative integer key. */
export function nonNegativeInt(config: Config, key: string, fallback: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(
      `Config key ${key} must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Reads an optional non-negative number key. */
export function nonNegativeNumber(config: Config, key: string, fallback: number): number {
  const value = config[key] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ConfigurationError(
      `Config key ${key} must be a non-negative number, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Reads an optional non-empty string key. */
export function nonEmptyString(config: Config, key: string, fallback: string): string {
  const value = config[key] ?? fallback;
  if (typeof value !== "string" || value === "") {
    throw new ConfigurationError(
      `Config key ${key} must be a non-empty string, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

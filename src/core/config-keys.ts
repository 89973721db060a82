/**
 * Every config key Enoki reads, in one table (as Nameko's `constants.py` is the one place for its
 * keys): its default, the check its value must pass, and a line of documentation. The YAML loader
 * checks files against it (naming file, line and key), the container and the HTTP server read
 * their settings through it, `enoki show-config` prints its defaults, and the README's key list is
 * written from it (`npm run docs:config`).
 */
import { brokerKind } from "../transport/broker-uri.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { LOG_LEVELS } from "../util/logger.js";
import { serializerByName, serializerNames } from "../wire/json.js";
import { isListenAddress, LISTEN_ADDRESS_FORMAT } from "./listen-address.js";

/** A config as the table reads it (`Config` is one). */
export type ConfigValues = Readonly<Record<string, unknown>>;

/** Returns why a value is wrong (`must be ..., got ...`), or `undefined` when it is fine. */
export type ConfigCheck = (value: unknown) => string | undefined;

/** One config key. */
export interface ConfigKey {
  /** The value used when the key is absent or null; none when it has no default. */
  readonly default?: unknown;
  /** How the default reads in docs when it is not a plain value (`max_workers`). */
  readonly defaultText?: string;
  readonly check: ConfigCheck;
  /** One line: what it does (units included). */
  readonly doc: string;
  /** Whose key it is: Nameko's (shared with Python services), a Nameko extension's, or Enoki's own. */
  readonly origin: "nameko" | "nameko-redis" | "enoki";
}

/** A short rendering of a bad value for messages. */
export function describeConfigValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? String(value);
}

const rule =
  (ok: (value: unknown) => boolean, expected: string): ConfigCheck =>
  (value) =>
    ok(value) ? undefined : `${expected}, got ${describeConfigValue(value)}`;

const isMapping = (v: unknown) =>
  v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);

const nonNegativeInteger = rule(
  (v) => typeof v === "number" && Number.isInteger(v) && v >= 0,
  "must be a non-negative integer",
);
const positiveInteger = rule(
  (v) => typeof v === "number" && Number.isInteger(v) && v >= 1,
  "must be an integer of at least 1",
);
const nonNegativeNumber = rule(
  (v) => typeof v === "number" && Number.isFinite(v) && v >= 0,
  "must be a non-negative number",
);
// Rounded to milliseconds, as they are used: 0.0001 s would be a timeout of 0.
const positiveSeconds = rule(
  (v) => typeof v === "number" && Number.isFinite(v) && Math.round(v * 1000) > 0,
  "must be more than 0 seconds",
);
const boolean = rule((v) => typeof v === "boolean", "must be true or false");
const nonEmptyString = rule((v) => typeof v === "string" && v !== "", "must be a non-empty string");
const mapping = rule(isMapping, "must be a mapping");
const tlsSetting = rule(
  (v) => typeof v === "boolean" || isMapping(v),
  "must be true, false or a mapping of TLS options",
);

const brokerUri: ConfigCheck = (value) => {
  if (typeof value !== "string" || value === "") {
    return `must be a broker URI such as amqp://guest:guest@localhost, got ${describeConfigValue(value)}`;
  }
  try {
    brokerKind(value);
    return undefined;
  } catch (err) {
    return (err as Error).message; // names the URI, with its password masked
  }
};

const queueType = rule((v) => v === "classic" || v === "quorum", 'must be "classic" (as Nameko) or "quorum"');

const logLevel = rule(
  (v) => typeof v === "string" && LOG_LEVELS[v.toLowerCase()] !== undefined,
  `must be a log level (${Object.keys(LOG_LEVELS).join(", ")})`,
);

const listenAddress = rule(isListenAddress, `must be ${LISTEN_ADDRESS_FORMAT}`);
// An empty HEALTH_ADDRESS says "no health server", as an absent one does.
const optionalListenAddress: ConfigCheck = (value) => (value === "" ? undefined : listenAddress(value));

const knownSerializer = rule(
  (v) => typeof v === "string" && serializerByName(v) !== undefined,
  `must be a serializer Enoki has (${serializerNames().join(", ")})`,
);

/**
 * The keys, by name; a nested key is written with dots (`LOGGING.level`). Order is the order of
 * the docs: Nameko's keys first, then Enoki's.
 */
export const CONFIG_KEYS = {
  AMQP_URI: {
    default: "amqp://guest:guest@localhost",
    check: brokerUri,
    doc: "The broker; `amqp://`, `amqps://`, `pyamqp://` or `memory://`. Several brokers in kombu's syntax, `amqp://a;amqp://b`, are tried in turn, round robin (docs/reliability.md). The `AMQP_URI` environment variable and `--broker` override it.",
    origin: "nameko",
  },
  AMQP_SSL: {
    check: tlsSetting,
    doc: "TLS for `amqps://`: `true`, or Nameko's `ca_certs`/`certfile`/`keyfile`/`cert_reqs` (or Node's names).",
    origin: "nameko",
  },
  WEB_SERVER_ADDRESS: {
    default: "0.0.0.0:8000",
    check: listenAddress,
    doc: "Where the HTTP server listens, `[host:]port`.",
    origin: "nameko",
  },
  max_workers: {
    default: 10,
    check: nonNegativeInteger,
    doc: "Workers a service runs at once, shared by all its entrypoints (0 means the default).",
    origin: "nameko",
  },
  parent_calls_tracked: {
    default: 10,
    check: nonNegativeInteger,
    doc: "Parent call ids kept in `call_id_stack`.",
    origin: "nameko",
  },
  rpc_exchange: {
    default: "nameko-rpc",
    check: nonEmptyString,
    doc: "The RPC exchange.",
    origin: "nameko",
  },
  serializer: {
    default: "json",
    check: knownSerializer,
    doc: "The body format of outgoing messages.",
    origin: "nameko",
  },
  HEARTBEAT: {
    default: 60,
    check: nonNegativeNumber,
    doc: "AMQP heartbeat, in seconds (0 turns it off).",
    origin: "nameko",
  },
  PREFETCH_COUNT: {
    defaultText: "max_workers",
    check: nonNegativeInteger,
    doc: "Unacknowledged messages per consumer (Nameko 3's key; 0 means the default).",
    origin: "nameko",
  },
  DECLARE_EVENT_EXCHANGES: {
    default: true,
    check: boolean,
    doc: "`false`: never declare `<service>.events` exchanges, expect them to exist.",
    origin: "nameko",
  },
  AUTO_DELETE_EVENT_EXCHANGES: {
    default: false,
    check: boolean,
    doc: "Declare `<service>.events` exchanges auto-delete.",
    origin: "nameko",
  },
  LOGGING: {
    check: mapping,
    doc: "Python's `dictConfig` shape; Enoki reads only the level.",
    origin: "nameko",
  },
  "LOGGING.level": {
    defaultText: "LOGGING.root.level, else info",
    check: logLevel,
    doc: "The log level (Python's names or pino's); `ENOKI_LOG_LEVEL` overrides it.",
    origin: "enoki",
  },
  "LOGGING.root": {
    check: mapping,
    doc: "`dictConfig`'s root logger.",
    origin: "nameko",
  },
  "LOGGING.root.level": {
    defaultText: "info",
    check: logLevel,
    doc: "The log level when `LOGGING.level` is not set.",
    origin: "nameko",
  },
  REDIS_URIS: {
    check: mapping,
    doc: 'Redis URIs by key, for `redis("<key>")` (nameko-redis\'s key); `memory://`: the in-process store (`AMQP_URI` `memory://` only).',
    origin: "nameko-redis",
  },
  RPC_TIMEOUT: {
    default: 30,
    check: nonNegativeNumber,
    doc: "Seconds a call waits for its reply before `RpcTimeout` (0 waits forever).",
    origin: "enoki",
  },
  RPC_PERSISTENT: {
    default: true,
    check: boolean,
    doc: "Send RPC requests persistent and confirmed, as Nameko does. `false` sends them, and so their replies, transient and without publisher confirms (replies are consumed without acks): faster, but a broker restart loses calls in flight, and a request or reply the broker drops is seen only as a timeout (an unknown service still fails at once).",
    origin: "enoki",
  },
  QUEUE_TYPE: {
    default: "classic",
    check: queueType,
    doc: "`quorum`: the service's durable queues are quorum queues, replicated over a cluster (entrypoints: `queueType`).",
    origin: "enoki",
  },
  MAX_MESSAGE_BYTES: {
    default: 16 * 1024 * 1024,
    check: nonNegativeInteger,
    doc: "Largest message body a consumer accepts; larger ones are refused (0: no limit).",
    origin: "enoki",
  },
  MESSAGE_MAX_ATTEMPTS: {
    default: 5,
    check: nonNegativeInteger,
    doc: "Runs of an event or `@consume` message that retries (`requeueOnError`, `retry`, `Backoff`) before it goes to its dead-letter queue (0: retry forever, as Nameko).",
    origin: "enoki",
  },
  EVENT_LOOP_LAG_WARNING: {
    default: 1,
    check: nonNegativeNumber,
    doc: "Warn when the event loop was blocked this long, in seconds (0 turns it off).",
    origin: "enoki",
  },
  HEALTH_ADDRESS: {
    check: optionalListenAddress,
    doc: "Where `/health/live` and `/health/ready` are served, `[host:]port`; off when absent or empty.",
    origin: "enoki",
  },
  METRICS: {
    default: true,
    check: boolean,
    doc: "Serve Prometheus metrics at `/metrics` on the health server (where `HEALTH_ADDRESS` is set).",
    origin: "enoki",
  },
  HTTP_MAX_BODY_BYTES: {
    default: 1024 * 1024,
    check: nonNegativeInteger,
    doc: "Largest HTTP request body; larger ones get 413.",
    origin: "enoki",
  },
  HTTP_HEADERS_TIMEOUT: {
    default: 10,
    check: positiveSeconds,
    doc: "Seconds a client has to send the request line and headers (then 408); at most `HTTP_REQUEST_TIMEOUT`.",
    origin: "enoki",
  },
  HTTP_REQUEST_TIMEOUT: {
    default: 30,
    check: positiveSeconds,
    doc: "Seconds a client has to send the whole request (then 408); not the handler's time.",
    origin: "enoki",
  },
  HTTP_KEEP_ALIVE_TIMEOUT: {
    default: 5,
    check: positiveSeconds,
    doc: "Seconds an idle keep-alive connection stays open.",
    origin: "enoki",
  },
  HTTP_MAX_HEADERS: {
    default: 100,
    check: positiveInteger,
    doc: "Most request headers accepted; more get 431.",
    origin: "enoki",
  },
  HTTP_MAX_HEADER_BYTES: {
    default: 16 * 1024,
    check: positiveInteger,
    doc: "Largest request line plus headers; larger get 431.",
    origin: "enoki",
  },
} as const satisfies Record<string, ConfigKey>;

/** The name of a key in {@link CONFIG_KEYS}. */
export type ConfigKeyName = keyof typeof CONFIG_KEYS;

type WithDefault = {
  [K in ConfigKeyName]: (typeof CONFIG_KEYS)[K] extends { default: unknown } ? K : never;
}[ConfigKeyName];

/** The default of every key that has one. */
export const DEFAULTS: { readonly [K in WithDefault]: (typeof CONFIG_KEYS)[K]["default"] } = Object.freeze(
  Object.fromEntries(
    Object.entries(CONFIG_KEYS as Record<string, ConfigKey>)
      .filter(([, key]) => "default" in key)
      .map(([name, key]) => [name, key.default]),
  ),
) as never;

/** The path of a key in a config: `LOGGING.root.level` → `["LOGGING", "root", "level"]`. */
export function keyPath(name: string): string[] {
  return name.split(".");
}

/** The value at a key's path, or `undefined`. */
export function valueAt(config: unknown, path: readonly string[]): unknown {
  let node = config;
  for (const key of path) {
    if (node === null || typeof node !== "object" || Array.isArray(node) || !Object.hasOwn(node, key))
      return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * The checked value of a key: the config's, or the default when it is absent or null (null is
 * what `max_workers:` or an unset `${VAR}` gives).
 * @throws ConfigurationError `Config key <name> must be ..., got ...`
 */
export function configValue(config: ConfigValues, name: ConfigKeyName): unknown {
  const key: ConfigKey = CONFIG_KEYS[name];
  const value = valueAt(config, keyPath(name)) ?? key.default;
  if (value === undefined) return undefined;
  const reason = key.check(value);
  if (reason !== undefined) throw new ConfigurationError(`Config key ${name} ${reason}`);
  return value;
}

/**
 * Every key of the table that a config sets, checked; calls `report(name, path, reason)` for each
 * bad one (the file loader turns that into file, line and key), or throws the first as a
 * `ConfigurationError` when no reporter is given.
 */
export function checkConfig(
  config: ConfigValues,
  report: (name: string, path: readonly string[], reason: string) => never = (name, _path, reason) => {
    throw new ConfigurationError(`Config key ${name} ${reason}`);
  },
): void {
  for (const [name, key] of Object.entries(CONFIG_KEYS as Record<string, ConfigKey>)) {
    const path = keyPath(name);
    const value = valueAt(config, path);
    if (value === undefined || value === null) continue;
    const reason = key.check(value);
    if (reason !== undefined) report(name, path, reason);
  }
}

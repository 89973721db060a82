/** The `redis()` dependency: one ioredis client per worker container, from `REDIS_URIS`. */
import { Redis, type RedisOptions } from "ioredis";
import type { Config } from "../core/config.js";
import { DEFAULTS } from "../core/config-keys.js";
import { dependency, type Injected } from "../core/dependency.js";
import type { DependencyProvider } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import { maskUri } from "../transport/broker-uri.js";
import { ConfigurationError } from "../util/enoki-error.js";
import type { Logger } from "../util/logger.js";
import { settleWithin } from "../util/within.js";
import {
  isMemoryRedisUri,
  MemoryRedisStore,
  memoryRedisClient,
  requireInProcessBroker,
} from "./memory-store.js";

/** Config key holding Redis URIs by name, as in nameko-redis. */
export const REDIS_URIS_KEY = "REDIS_URIS";

/** How long `stop` waits for Redis to answer QUIT before dropping the connection. */
const QUIT_TIMEOUT_MS = 2_000;

/**
 * Declares a Redis client, connected to `config.REDIS_URIS[key]` (nameko-redis's config):
 *
 * ```yaml
 * REDIS_URIS:
 *   development: redis://localhost:6379/0
 * ```
 *
 * Each container has one client, created when it starts and closed when it stops; every worker
 * gets that client. Replies are strings, as with nameko-redis's `decode_responses=True` (ioredis
 * decodes by default; use `getBuffer` and the other `...Buffer` commands for bytes).
 *
 * Unlike ioredis's default, a command in flight when the connection drops is not sent again
 * after reconnecting (`autoResendUnfulfilledCommands: false`): it fails, so an `INCR` cannot
 * apply twice. And a command made while Redis is unreachable fails within a few seconds
 * (`maxRetriesPerRequest: 1`: ioredis gives up on it at its second reconnect attempt), so the
 * worker's caller gets an error, not a wait until its RPC timeout; a command made during a brief
 * Redis restart fails too, where ioredis's default (20) would ride it out. Pass `options` to change
 * this or any other ioredis option.
 *
 * `memory://` in place of a Redis URI is Enoki's in-process store, for trying an app with nothing
 * installed: it has only `get`, `set`, `hgetall`, `hset`, `sadd` and `sismember` (other commands
 * reject), every service of the process shares it, its data goes when the process ends, and
 * it is refused (a `ConfigurationError` at start) unless `AMQP_URI` is `memory://` too, so it can
 * never stand in for Redis next to a real broker. Of `options`, it honours `keyPrefix` only.
 *
 * @param key - the name in `REDIS_URIS`. Default `development`.
 * @example
 * import { redis } from "enoki/redis";
 * class Trips {
 *   redis = redis("development");
 *   @rpc async get(id: string) { return this.redis.get(`trip:${id}`); }
 * }
 */
export function redis(key = "development", options: RedisOptions = {}): Injected<Redis> {
  return dependency<Redis>(`redis("${key}")`, (container) => new RedisProvider(container, key, options));
}

/** Provides one ioredis client per container. */
export class RedisProvider implements DependencyProvider<Redis> {
  readonly name: string;
  readonly #config: Config;
  readonly #key: string;
  readonly #options: RedisOptions;
  readonly #logger: Logger;
  readonly #container: ExtensionHost;
  #client: Redis | undefined;
  /** With `memory://`: the in-process store's client, between setup and stop. */
  #memory: Redis | undefined;

  constructor(container: ExtensionHost, key: string, options: RedisOptions) {
    this.name = `redis(${key})`;
    this.#container = container;
    this.#config = container.config;
    this.#key = key;
    this.#options = options;
    this.#logger = container.logger.child({ redis: key });
    // Refused here, as the container is built, rather than at setup: the runner builds
    // containers before it waits for the broker, so the mistake shows even with RabbitMQ down.
    const uri = configuredUri(this.#config, key);
    if (uri !== undefined && isMemoryRedisUri(uri, key)) requireInProcessBroker(brokerUri(this.#config), key);
  }

  /** The ioredis client, between setup and stop (`undefined` with the in-process store). */
  get client(): Redis | undefined {
    return this.#client;
  }

  async setup(): Promise<void> {
    const uri = redisUri(this.#config, this.#key);
    if (isMemoryRedisUri(uri, this.#key)) {
      this.#memory = this.#inProcessStore();
      return;
    }
    // With Redis down a command fails within seconds (nameko-redis's fails at once) instead of
    // holding its caller until the RPC timeout while ioredis retries 20 times.
    const client = new Redis(uri, {
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      ...this.#options,
    });
    // Without a listener ioredis prints every failed reconnect to the console.
    client.on("error", (err: Error) =>
      this.#logger.warn({ err: err.message }, `Redis ${maskUri(uri)}: ${err.message}`),
    );
    this.#client = client;
  }

  get(): Redis {
    const client = this.#client ?? this.#memory;
    if (client === undefined) throw new Error(`${this.name} is not set up`);
    return client;
  }

  /** `memory://`: the runner's one in-process store (the constructor checked the broker). */
  #inProcessStore(): Redis {
    const store = this.#container.runnerShared("redis:memory://", () => {
      this.#logger.info(
        { redis: "memory://" },
        "Redis memory://: Enoki's in-process store, shared by the services of this process; " +
          "its data goes when the process ends (for trying things out, not for production)",
      );
      return new MemoryRedisStore();
    });
    return memoryRedisClient(store, this.#key, this.#options.keyPrefix) as Redis;
  }

  /**
   * Closes the client: QUIT when connected (pending replies arrive first), else disconnect; and
   * waits until its socket has closed, so a stopped container holds no connection.
   */
  async stop(): Promise<void> {
    this.#memory = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (client === undefined || client.status === "end") return;
    const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
    if (client.status === "ready") await settleWithin(client.quit(), QUIT_TIMEOUT_MS);
    client.disconnect();
    await settleWithin(ended, QUIT_TIMEOUT_MS);
  }

  async kill(): Promise<void> {
    this.#memory = undefined;
    this.#client?.disconnect();
    this.#client = undefined;
  }
}

function configuredUri(config: Config, key: string): string | undefined {
  const uris = config[REDIS_URIS_KEY];
  const uri = typeof uris === "object" && uris !== null ? (uris as Record<string, unknown>)[key] : undefined;
  return typeof uri === "string" && uri !== "" ? uri : undefined;
}

function brokerUri(config: Config): string {
  return typeof config.AMQP_URI === "string" ? config.AMQP_URI : DEFAULTS.AMQP_URI;
}

function redisUri(config: Config, key: string): string {
  const uri = configuredUri(config, key);
  if (uri === undefined) {
    throw new ConfigurationError(
      `redis("${key}") needs ${REDIS_URIS_KEY}.${key} in the config, ` +
        `such as REDIS_URIS: { ${key}: "redis://localhost:6379/0" }`,
    );
  }
  return uri;
}

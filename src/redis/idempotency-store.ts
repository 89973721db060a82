/**
 * `@idempotent`'s store in Redis: `RedisIdempotencyStore` over an ioredis client, and the
 * `idempotencyStore()` dependency that gives each container one (the in-process store with
 * `memory://`).
 *
 * One record per key, a string: `running:<token>` with the lease's expiry while a run holds it,
 * `done:<result JSON>` with the result's once it completed. Each operation is one Lua script, so
 * the read and the write that follows it cannot interleave with another instance's.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Redis, RedisOptions } from "ioredis";
import { dependency, type Injected } from "../core/dependency.js";
import type { DependencyProvider } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import type { IdempotencyClaim, IdempotencyStore } from "../idempotency/idempotency-store.js";
import { MemoryIdempotencyStore } from "../idempotency/memory-idempotency-store.js";
import { RedisProvider } from "./redis-provider.js";

/** Every key the store writes begins with this (after the client's own `keyPrefix`). */
export const IDEMPOTENCY_KEY_PREFIX = "idempotency:";

// KEYS[1] the key; ARGV[1] a new token, ARGV[2] the lease in ms.
const BEGIN = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'running:' .. ARGV[1], 'PX', ARGV[2])
  return {'started'}
end
if string.sub(v, 1, 5) == 'done:' then return {'done', string.sub(v, 6)} end
return {'running'}`;

// ARGV[1] the token, ARGV[2] the lease in ms.
const RENEW = `
if redis.call('GET', KEYS[1]) == 'running:' .. ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

// ARGV[1] the token (unused: a run whose lease was taken over still records), ARGV[2] the
// result, ARGV[3] how long to keep it in ms. The first result recorded stays.
const COMPLETE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 5) == 'done:' then return 0 end
redis.call('SET', KEYS[1], 'done:' .. ARGV[2], 'PX', ARGV[3])
return 1`;

// ARGV[1] the token: only its own lease goes.
const ABANDON = `
if redis.call('GET', KEYS[1]) == 'running:' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** A script sent once per connection (`EVALSHA`, falling back to `EVAL` when Redis lacks it). */
class Script {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  async run(client: Redis, key: string, ...args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, 1, key, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return client.eval(this.#source, 1, key, ...args);
    }
  }
}

const SCRIPTS = {
  begin: new Script(BEGIN),
  renew: new Script(RENEW),
  complete: new Script(COMPLETE),
  abandon: new Script(ABANDON),
};

/**
 * An {@link IdempotencyStore} in Redis, shared by every instance of a service that uses the same
 * Redis: a redelivered message finds its first run's record whichever instance ran it. Keys are
 * `idempotency:<service>.<method>:<key>` (after the client's `keyPrefix`).
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #client: Redis;

  /** @param client - an ioredis client (its `keyPrefix` applies). */
  constructor(client: Redis) {
    this.#client = client;
  }

  async begin(key: string, leaseMs: number): Promise<IdempotencyClaim> {
    const token = randomUUID();
    const reply = (await SCRIPTS.begin.run(this.#client, fullKey(key), token, ms(leaseMs))) as string[];
    if (reply[0] === "done") return { state: "done", result: reply[1] as string };
    if (reply[0] === "running") return { state: "running" };
    return { state: "started", token };
  }

  async renew(key: string, token: string, leaseMs: number): Promise<boolean> {
    return (await SCRIPTS.renew.run(this.#client, fullKey(key), token, ms(leaseMs))) === 1;
  }

  async complete(key: string, token: string, result: string, ttlMs: number): Promise<void> {
    await SCRIPTS.complete.run(this.#client, fullKey(key), token, result, ms(ttlMs));
  }

  async abandon(key: string, token: string): Promise<void> {
    await SCRIPTS.abandon.run(this.#client, fullKey(key), token);
  }
}

function fullKey(key: string): string {
  return `${IDEMPOTENCY_KEY_PREFIX}${key}`;
}

/** Whole milliseconds, as `PX` and `PEXPIRE` take them. */
function ms(value: number): number {
  return Math.max(1, Math.ceil(value));
}

/**
 * Declares the store `@idempotent` records runs in: Redis at `config.REDIS_URIS[key]`, as
 * `redis(key)` reads it, with a client of its own per container (so `options`, such as
 * `keyPrefix`, apply to it alone). With `memory://` there, the process's in-process store
 * (`MemoryIdempotencyStore`, shared by the services of the runner), refused next to a real
 * broker as `redis()` refuses it.
 *
 * @param key - the name in `REDIS_URIS`. Default `development`.
 * @example
 * import { idempotent, rpc, service } from "enoki";
 * import { idempotencyStore } from "enoki/redis";
 * class Trips {
 *   idempotency = idempotencyStore("development");
 *   @rpc @idempotent((trips: Trips) => trips.idempotency) async create(...) { ... }
 * }
 */
export function idempotencyStore(
  key = "development",
  options: RedisOptions = {},
): Injected<IdempotencyStore> {
  return dependency<IdempotencyStore>(
    `idempotencyStore("${key}")`,
    (container) => new IdempotencyStoreProvider(container, key, options),
  );
}

/** Provides one idempotency store per container, over a {@link RedisProvider}'s client. */
export class IdempotencyStoreProvider implements DependencyProvider<IdempotencyStore> {
  readonly name: string;
  readonly #redis: RedisProvider;
  readonly #container: ExtensionHost;
  #store: IdempotencyStore | undefined;

  constructor(container: ExtensionHost, key: string, options: RedisOptions) {
    this.name = `idempotencyStore(${key})`;
    this.#container = container;
    this.#redis = new RedisProvider(container, key, options);
  }

  async setup(): Promise<void> {
    await this.#redis.setup();
    const client = this.#redis.client;
    this.#store =
      client === undefined
        ? this.#container.runnerShared("idempotency:memory://", () => new MemoryIdempotencyStore())
        : new RedisIdempotencyStore(client);
  }

  get(): IdempotencyStore {
    if (this.#store === undefined) throw new Error(`${this.name} is not set up`);
    return this.#store;
  }

  async stop(): Promise<void> {
    this.#store = undefined;
    await this.#redis.stop();
  }

  async kill(): Promise<void> {
    this.#store = undefined;
    await this.#redis.kill();
  }
}

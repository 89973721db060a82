/**
 * `memory://` as a Redis URI: Enoki's in-process stand-in for Redis, so that an app can be tried
 * with nothing installed (`npm run demo` on a machine without Redis, `enoki run --broker memory://`).
 *
 * It is not Redis and must never pass for one: it holds its data in the one process (every
 * service of a runner shares one store) and loses it when the process ends, and it implements
 * only the commands the travel example uses. So it is refused unless the broker is in-process too
 * (`AMQP_URI: memory://`): with a real broker, services in other processes would each see a store
 * of their own.
 */
import { brokerKind, maskUri } from "../transport/broker-uri.js";
import { ConfigurationError } from "../util/enoki-error.js";

/** The Redis URI that selects the in-process store. */
export const MEMORY_REDIS_URI = "memory://";

/** The commands the in-process store implements: those the travel example uses. */
export const MEMORY_REDIS_COMMANDS = ["get", "set", "hgetall", "hset", "sadd", "sismember"] as const;

/**
 * Whether a Redis URI asks for the in-process store (`memory://`).
 * @throws ConfigurationError for a `memory:` URI with a host or path: there is only one store.
 */
export function isMemoryRedisUri(uri: string, key: string): boolean {
  if (!/^memory:/i.test(uri)) return false;
  if (!/^memory:\/\/\/?$/i.test(uri)) {
    throw new ConfigurationError(
      `${uriKey(key)} is ${maskUri(uri)}: the in-process store is memory://, with no host or path`,
    );
  }
  return true;
}

/**
 * Refuses the in-process store unless the broker is the in-process one too.
 * @param brokerUri - the config's `AMQP_URI` (or its default).
 * @throws ConfigurationError naming the key, the broker and what to configure instead.
 */
export function requireInProcessBroker(brokerUri: string, key: string): void {
  let kind: string;
  try {
    kind = brokerKind(brokerUri);
  } catch {
    kind = "invalid";
  }
  if (kind === "memory") return;
  throw new ConfigurationError(
    `${uriKey(key)} is memory://, Enoki's in-process store, which only runs with the in-process ` +
      `broker (AMQP_URI memory://), not with ${maskUri(brokerUri)}: it keeps data in this one process ` +
      `and loses it when the process ends, so it cannot stand in for Redis. ` +
      `Give ${uriKey(key)} a real Redis, such as redis://localhost:6379/0`,
  );
}

function uriKey(key: string): string {
  return `REDIS_URIS.${key}`;
}

type Value = string | Map<string, string> | Set<string>;

const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

/**
 * The data of the in-process store, and its commands, with Redis's replies (as ioredis returns
 * them with its default string decoding).
 */
export class MemoryRedisStore {
  readonly #data = new Map<string, Value>();

  async get(key: unknown): Promise<string | null> {
    const value = this.#data.get(text(key, "get", "key"));
    if (value === undefined) return null;
    if (typeof value !== "string") throw replyError(WRONGTYPE);
    return value;
  }

  async set(key: unknown, value: unknown, ...options: unknown[]): Promise<"OK"> {
    if (options.length > 0) throw unsupported("set", "takes a key and a value only (no expiry or condition)");
    this.#data.set(text(key, "set", "key"), text(value, "set", "value"));
    return "OK";
  }

  async hgetall(key: unknown): Promise<Record<string, string>> {
    const hash = this.#hash(text(key, "hgetall", "key"));
    return Object.fromEntries(hash ?? []);
  }

  /** `hset(key, { field: value, ... })` or `hset(key, field, value, ...)`. */
  async hset(key: unknown, ...args: unknown[]): Promise<number> {
    const name = text(key, "hset", "key");
    const [first] = args;
    const entries: [string, string][] = [];
    if (args.length === 1 && typeof first === "object" && first !== null && !Array.isArray(first)) {
      const pairs = first instanceof Map ? [...first] : Object.entries(first);
      for (const [field, value] of pairs)
        entries.push([text(field, "hset", "field"), text(value, "hset", "value")]);
    } else {
      const flat = args.length === 1 && Array.isArray(first) ? first : args;
      if (flat.length === 0 || flat.length % 2 !== 0) {
        throw unsupported("hset", "takes fields and values as one object or as pairs");
      }
      for (let i = 0; i < flat.length; i += 2) {
        entries.push([text(flat[i], "hset", "field"), text(flat[i + 1], "hset", "value")]);
      }
    }
    if (entries.length === 0) throw replyError("ERR wrong number of arguments for 'hset' command");
    const hash = this.#hash(name) ?? new Map<string, string>();
    this.#data.set(name, hash);
    let added = 0;
    for (const [field, value] of entries) {
      if (!hash.has(field)) added += 1;
      hash.set(field, value);
    }
    return added;
  }

  /** `sadd(key, member, ...)` or `sadd(key, [member, ...])`. */
  async sadd(key: unknown, ...args: unknown[]): Promise<number> {
    const name = text(key, "sadd", "key");
    const members = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args).map((m) =>
      text(m, "sadd", "member"),
    );
    if (members.length === 0) throw replyError("ERR wrong number of arguments for 'sadd' command");
    const set = this.#set(name) ?? new Set<string>();
    this.#data.set(name, set);
    let added = 0;
    for (const member of members) {
      if (!set.has(member)) added += 1;
      set.add(member);
    }
    return added;
  }

  async sismember(key: unknown, member: unknown): Promise<number> {
    const set = this.#set(text(key, "sismember", "key"));
    return set?.has(text(member, "sismember", "member")) ? 1 : 0;
  }

  #hash(key: string): Map<string, string> | undefined {
    const value = this.#data.get(key);
    if (value !== undefined && !(value instanceof Map)) throw replyError(WRONGTYPE);
    return value;
  }

  #set(key: string): Set<string> | undefined {
    const value = this.#data.get(key);
    if (value !== undefined && !(value instanceof Set)) throw replyError(WRONGTYPE);
    return value;
  }
}

/** Keys, fields and values: strings, or numbers as Redis stores them. */
function text(value: unknown, command: string, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new TypeError(
    `The in-process Redis store (memory://): ${command} takes each ${what} as a string or a number, got ${typeof value}`,
  );
}

/** What the store cannot do, though Redis can: a real Redis is the way out. */
function unsupported(command: string, why: string): ConfigurationError {
  return new ConfigurationError(
    `The in-process Redis store (memory://): ${command} ${why}; use a real Redis for more`,
  );
}

/** An error Redis itself would reply with, named as ioredis names those. */
function replyError(message: string): Error {
  const err = new Error(message);
  err.name = "ReplyError";
  return err;
}

const COMMANDS: ReadonlySet<string> = new Set(MEMORY_REDIS_COMMANDS);

/**
 * What workers get in place of an ioredis client: the store's commands (keys under `keyPrefix`,
 * as ioredis's option of that name does), and for any other command a rejected promise that says
 * it needs a real Redis.
 */
export function memoryRedisClient(store: MemoryRedisStore, key: string, keyPrefix = ""): object {
  const commands = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  for (const name of COMMANDS) {
    const command = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[name]!;
    commands.set(name, async (first: unknown, ...rest: unknown[]) =>
      command.call(store, keyPrefix === "" ? first : `${keyPrefix}${text(first, name, "key")}`, ...rest),
    );
  }
  const missing = (name: string) => () =>
    Promise.reject(
      new ConfigurationError(
        `${uriKey(key)} is memory://, Enoki's in-process store, which has only ` +
          `${MEMORY_REDIS_COMMANDS.join(", ")}: ${name} needs a real Redis`,
      ),
    );
  return new Proxy(Object.create(null) as object, {
    get(_target, property) {
      // Not a command: `await client` and JSON.stringify look for these.
      if (typeof property !== "string" || property === "then" || property === "toJSON") return undefined;
      return commands.get(property) ?? missing(property);
    },
    has(_target, property) {
      return typeof property === "string" && commands.has(property);
    },
  });
}

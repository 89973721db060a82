/** docs/testing.md, "Integration tests": an in-memory stand-in for the travel services' Redis. */
// #region memory-redis
/**
 * The Redis commands the travel services use, on Maps: a test double for `redis("development")`,
 * so that tests need no Redis. Each method has a type that ioredis's `Redis` accepts in its place.
 */
export class MemoryRedis {
  readonly #strings = new Map<string, string>();
  readonly #hashes = new Map<string, Map<string, string>>();
  readonly #sets = new Map<string, Set<string>>();

  async get(key: string): Promise<string | null> {
    return this.#strings.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<"OK"> {
    this.#strings.set(key, value);
    return "OK";
  }

  async hgetall(key: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.#hashes.get(key) ?? []);
  }

  async sismember(key: string, member: string): Promise<number> {
    return this.#sets.get(key)?.has(member) ? 1 : 0;
  }

  // ioredis overloads hset and sadd (fields as an object, a Map or pairs; members as an array or
  // one by one; a callback or not), and a double must accept every form: these take unknown[]
  // and check that they were given the form the services use.
  async hset(key: string, ...args: unknown[]): Promise<number> {
    const [fields] = args;
    if (args.length !== 1 || typeof fields !== "object" || fields === null || fields instanceof Map) {
      throw new TypeError("MemoryRedis.hset takes one object of fields");
    }
    const hash = this.#hashes.get(key) ?? new Map<string, string>();
    this.#hashes.set(key, hash);
    const entries = Object.entries(fields).map(([field, value]) => [field, String(value)] as const);
    const added = entries.filter(([field]) => !hash.has(field)).length;
    for (const [field, value] of entries) hash.set(field, value);
    return added;
  }

  async sadd(key: string, ...members: unknown[]): Promise<number> {
    if (!members.every((member) => typeof member === "string")) {
      throw new TypeError("MemoryRedis.sadd takes members as strings");
    }
    const set = this.#sets.get(key) ?? new Set<string>();
    this.#sets.set(key, set);
    const added = new Set(members.filter((member) => !set.has(member))).size;
    for (const member of members) set.add(member);
    return added;
  }
}
// #endregion memory-redis

/**
 * `enoki/redis`: the Redis dependency provider (nameko-redis for Enoki), on ioredis.
 *
 * ioredis is an optional peer dependency: install it (`npm install ioredis`) to use this module.
 *
 * @packageDocumentation
 */
export type { Redis, RedisOptions } from "ioredis";
export {
  IDEMPOTENCY_KEY_PREFIX,
  IdempotencyStoreProvider,
  idempotencyStore,
  RedisIdempotencyStore,
} from "./idempotency-store.js";
export { REDIS_URIS_KEY, RedisProvider, redis } from "./redis-provider.js";

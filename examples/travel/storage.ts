/**
 * Where the travel services keep their data in Redis: `<prefix>:airport:<id>` holds an airport's
 * name, `<prefix>:trip:<id>` a hash with the trip's `from` and `to` airport ids, and
 * `<prefix>:known-airports` the set of airport ids trips_service has learnt of. The prefix is
 * `REDIS_KEY_PREFIX` in the config (`travel` by default), so that several apps, or test runs, can
 * share one Redis.
 */
import { randomUUID } from "node:crypto";

/** The config keys the travel services read, besides Enoki's own. */
export interface TravelConfig {
  /** The first part of every Redis key. Default `travel`. */
  readonly REDIS_KEY_PREFIX?: string | number;
}

/** A new id: a random UUID as 32 hex digits, the article's `uuid.uuid4().hex`. */
export function newId(): string {
  return randomUUID().replaceAll("-", "");
}

/** A Redis key: the prefix, then `parts`, joined with colons (`travel:airport:<id>`). */
export function storageKey(config: TravelConfig, ...parts: string[]): string {
  return [config.REDIS_KEY_PREFIX ?? "travel", ...parts].join(":");
}

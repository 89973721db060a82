/**
 * Where the travel services keep their data in Redis: `<prefix>:airport:<id>` holds an airport's
 * name, `<prefix>:trip:<id>` a hash with the trip's `from` and `to` airport ids. The prefix is
 * `REDIS_KEY_PREFIX` in the config (`travel` by default), so that several apps, or test runs, can
 * share one Redis.
 */
import { randomUUID } from "node:crypto";

/** The config keys the travel services read, besides Enoki's own. */
export interface TravelConfig {
  /** The first part of every Redis key. Default `travel`. */
  readonly REDIS_KEY_PREFIX?: string | number;
}

/** What is stored under a key. */
export type Kind = "airport" | "trip";

/** A new id: a random UUID as 32 hex digits, the article's `uuid.uuid4().hex`. */
export function newId(): string {
  return randomUUID().replaceAll("-", "");
}

/** The Redis key of an airport or a trip. */
export function storageKey(config: TravelConfig, kind: Kind, id: string): string {
  return `${config.REDIS_KEY_PREFIX ?? "travel"}:${kind}:${id}`;
}

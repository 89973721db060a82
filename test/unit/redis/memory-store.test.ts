/**
 * `memory://` as a Redis URI: Enoki's in-process store behind `redis(...)`, shared by the services
 * of one runner, answering as Redis does, and refused next to a real broker.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigurationError, rpc, ServiceRunner, service, silentLogger } from "../../../src/index.js";
import { redis } from "../../../src/redis/index.js";
import { MemoryRedisStore, memoryRedisClient } from "../../../src/redis/memory-store.js";
import { startServices } from "../../../src/testing/index.js";

@service("memory_redis_writer")
class Writer {
  redis = redis("development");

  @rpc
  async write(id: string): Promise<void> {
    await this.redis.set(`airport:${id}`, `name of ${id}`);
    await this.redis.hset(`trip:${id}`, { from: id, to: "b" });
    await this.redis.sadd("known", id);
  }
}

@service("memory_redis_reader")
class Reader {
  store = redis("cache", { keyPrefix: "" });

  @rpc
  async read(id: string): Promise<unknown> {
    return {
      airport: await this.store.get(`airport:${id}`),
      trip: await this.store.hgetall(`trip:${id}`),
      known: await this.store.sismember("known", id),
    };
  }

  @rpc
  async keys(): Promise<string[]> {
    return this.store.keys("*");
  }
}

const MEMORY_ONLY = { REDIS_URIS: { development: "memory://", cache: "memory:///" } };

test("REDIS_URIS memory://: the services of a process share one in-process store", async () => {
  await using services = await startServices([Writer, Reader], { config: MEMORY_ONLY });
  assert.deepEqual(await services.service(Reader).read("a"), {
    airport: null,
    trip: {},
    known: 0,
  });
  await services.service(Writer).write("a");
  assert.deepEqual(await services.service(Reader).read("a"), {
    airport: "name of a",
    trip: { from: "a", to: "b" },
    known: 1,
  });
  // A command it does not have says so, rather than passing for Redis.
  await assert.rejects(services.service(Reader).keys(), (err: Error) => {
    assert.match(
      err.message,
      /REDIS_URIS\.cache is memory:\/\/, Enoki's in-process store, which has only get, set, hgetall, hset, sadd, sismember: keys needs a real Redis/,
    );
    return true;
  });
});

test("the in-process store answers as Redis does", async () => {
  const store = new MemoryRedisStore();
  assert.equal(await store.get("k"), null);
  assert.equal(await store.set("k", "v"), "OK");
  assert.equal(await store.set(7, 8), "OK");
  assert.equal(await store.get("7"), "8");
  assert.equal(await store.hset("h", { a: "1", b: 2 }), 2);
  assert.equal(await store.hset("h", "b", "3", "c", "4"), 1);
  assert.equal(await store.hset("h", new Map([["d", "5"]])), 1);
  assert.equal(await store.hset("h", ["a", "0"]), 0);
  assert.deepEqual(await store.hgetall("h"), { a: "0", b: "3", c: "4", d: "5" });
  assert.deepEqual(await store.hgetall("nothing"), {});
  assert.equal(await store.sadd("s", "x", "y", "x"), 2);
  assert.equal(await store.sadd("s", ["y", "z"]), 1);
  assert.equal(await store.sismember("s", "z"), 1);
  assert.equal(await store.sismember("s", "w"), 0);
  assert.equal(await store.sismember("nothing", "w"), 0);
  // Redis's own errors, named as ioredis names them.
  for (const wrong of [
    store.get("h"),
    store.hgetall("s"),
    store.sadd("k", "x"),
    store.hset("s", { a: "1" }),
  ]) {
    await assert.rejects(wrong, { name: "ReplyError", message: /^WRONGTYPE/ });
  }
  await assert.rejects(store.sadd("s"), { name: "ReplyError", message: /wrong number of arguments/ });
  await assert.rejects(store.hset("h", {}), { name: "ReplyError", message: /wrong number of arguments/ });
  // What only a real Redis does is refused, never ignored.
  await assert.rejects(store.set("k", "v", "EX", 10), ConfigurationError);
  await assert.rejects(store.hset("h", "a"), ConfigurationError);
  await assert.rejects(store.set("k", { v: 1 }), TypeError);
  await assert.rejects(store.sadd("s", null), TypeError);
  assert.equal(await store.get("k"), "v");
});

test("the client: keyPrefix as ioredis's, and no thenable", async () => {
  const store = new MemoryRedisStore();
  const client = memoryRedisClient(store, "development", "app:") as Record<string, unknown>;
  const set = client.set as (k: string, v: string) => Promise<string>;
  assert.equal(await set("k", "v"), "OK");
  assert.equal(await store.get("app:k"), "v");
  assert.equal(client.then, undefined, "await client gives the client");
  assert.equal(client.toJSON, undefined);
  assert.ok("get" in client && !("incr" in client));
  await assert.rejects((client.incr as () => Promise<number>)(), /incr needs a real Redis/);
});

test("refused unless the broker is in-process too: a ConfigurationError before waiting for it", async () => {
  for (const config of [
    { AMQP_URI: "amqp://guest:secret@127.0.0.1:1", ...MEMORY_ONLY },
    { ...MEMORY_ONLY }, // the default broker, amqp://guest:guest@localhost
  ]) {
    const runner = new ServiceRunner({ config, logger: silentLogger }).add(Writer);
    // Refused as the containers are built, before the runner waits for the broker.
    const gaveUp = new AbortController();
    const waiting = sleep(2_000, undefined, { signal: gaveUp.signal }).then(() => {
      throw new Error("still waiting for the broker");
    });
    try {
      await assert.rejects(Promise.race([runner.start(), waiting]), (err: Error) => {
        assert.ok(err instanceof ConfigurationError, String(err));
        assert.match(
          err.message,
          /^REDIS_URIS\.development is memory:\/\/, Enoki's in-process store, which only runs with the in-process broker \(AMQP_URI memory:\/\/\), not with amqp:\/\/guest:\*\*\*@/,
        );
        assert.ok(!err.message.includes("secret"));
        return true;
      });
    } finally {
      gaveUp.abort();
      await runner.kill();
    }
  }
  await assert.rejects(
    startServices([Writer], { config: { REDIS_URIS: { development: "memory://elsewhere" } } }),
    /REDIS_URIS\.development is memory:\/\/elsewhere: the in-process store is memory:\/\/, with no host or path/,
  );
});

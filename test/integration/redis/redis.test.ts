/**
 * enoki/redis against the real Redis. The services run on the in-memory transport: RabbitMQ plays
 * no part in what is tested here.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import {
  type Cluster,
  ConfigurationError,
  connect,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../../src/index.js";
import { type RedisProvider, redis } from "../../../src/redis/index.js";
import { uniqueName } from "../../support/broker.js";
import { closeIfOpened } from "../../support/resources.js";

const REDIS_URI = "redis://127.0.0.1:6379/0";
const prefix = `${uniqueName("enoki-test")}:`;
const clientsSeen = new Set<unknown>();

function makeStore(name: string) {
  @service(name)
  class Store {
    redis = redis("development");
    cache = redis("cache", { keyPrefix: `${prefix}cache:` });

    @rpc
    async put(key: string, value: string) {
      clientsSeen.add(this.redis);
      await this.redis.set(`${prefix}${key}`, value);
      return this.redis.get(`${prefix}${key}`);
    }

    @rpc
    async counter(key: string) {
      return this.redis.incr(`${prefix}${key}`);
    }

    @rpc
    async cached(key: string, value: string) {
      await this.cache.set(key, value);
      return this.cache.get(key);
    }
  }
  return Store;
}

const name = uniqueName("store");
let runner: ServiceRunner;
let cluster: Cluster;
let admin: Redis;

before(async () => {
  admin = new Redis(REDIS_URI);
  runner = await runServices([makeStore(name)], {
    config: { AMQP_URI: "memory://", REDIS_URIS: { development: REDIS_URI, cache: REDIS_URI } },
    logger: silentLogger,
  });
  cluster = await connect({ transport: runner.transport, logger: silentLogger });
});
after(async () => {
  await cluster?.close();
  await runner?.stop();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

function provider(r: ServiceRunner, service: string, field: string): RedisProvider {
  return r.container(service)?.dependencies.get(field) as RedisProvider;
}

test("workers read and write Redis; replies are strings", async () => {
  assert.equal(await cluster.rpc[name]!.put!("greeting", "héllo"), "héllo");
  assert.equal(await admin.get(`${prefix}greeting`), "héllo");
  assert.equal(await cluster.rpc[name]!.counter!("n"), 1);
  assert.equal(await admin.get(`${prefix}n`), "1");
});

test("one client per container, shared by its workers", async () => {
  clientsSeen.clear();
  await Promise.all([1, 2, 3, 4].map((i) => cluster.rpc[name]!.put!(`k${i}`, String(i))));
  assert.equal(clientsSeen.size, 1);
  assert.ok(clientsSeen.has(provider(runner, name, "redis").client));
});

test("each key of REDIS_URIS is its own client, with its own options", async () => {
  assert.equal(await cluster.rpc[name]!.cached!("c", "v"), "v");
  assert.equal(await admin.get(`${prefix}cache:c`), "v");
  assert.notEqual(provider(runner, name, "cache").client, provider(runner, name, "redis").client);
});

test("a missing REDIS_URIS key fails startup with a clear error", async () => {
  const other = uniqueName("nostore");
  await assert.rejects(
    closeIfOpened(
      runServices([makeStore(other)], {
        config: { AMQP_URI: "memory://", REDIS_URIS: { development: REDIS_URI } },
        logger: silentLogger,
      }),
    ),
    (e: unknown) =>
      e instanceof ConfigurationError &&
      /redis\("cache"\) needs REDIS_URIS\.cache in the config/.test(e.message),
  );
});

test("the client is closed when the container stops", async () => {
  const other = uniqueName("stopped");
  await using r = await runServices([makeStore(other)], {
    config: { AMQP_URI: "memory://", REDIS_URIS: { development: REDIS_URI, cache: REDIS_URI } },
    logger: silentLogger,
  });
  const client = provider(r, other, "redis").client;
  assert.ok(client);
  // Connected, so that stop takes the QUIT path (the in-memory broker starts services faster than
  // ioredis connects).
  if (client.status !== "ready") await once(client, "ready");
  await r.stop();
  // The socket closes just after stop returns (an AMQP connection's close used to cover that).
  for (let i = 0; i < 50 && client.status !== "end"; i++) await sleep(20);
  assert.equal(client.status, "end");
  assert.equal(provider(r, other, "redis").client, undefined);
});

test("the client is closed when the container is killed", async () => {
  const other = uniqueName("killed");
  await using r = await runServices([makeStore(other)], {
    config: { AMQP_URI: "memory://", REDIS_URIS: { development: REDIS_URI, cache: REDIS_URI } },
    logger: silentLogger,
  });
  const client = provider(r, other, "cache").client;
  assert.ok(client);
  await r.kill();
  for (let i = 0; i < 50 && client.status !== "end"; i++) await sleep(20);
  assert.equal(client.status, "end");
});

test("with Redis unreachable, a worker's command fails at once instead of holding its caller", async () => {
  const other = uniqueName("unreachable");
  const r = await runServices([makeStore(other)], {
    // Port 1: nothing listens, so every connect attempt is refused.
    config: { AMQP_URI: "memory://", REDIS_URIS: { development: "redis://127.0.0.1:1/0", cache: REDIS_URI } },
    logger: silentLogger,
  });
  const client = await connect({ transport: r.transport, logger: silentLogger });
  try {
    const started = Date.now();
    await assert.rejects(client.rpc[other]!.counter!("k"), {
      name: "RemoteError",
      excType: "MaxRetriesPerRequestError",
    });
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  } finally {
    await client.close();
    await r.kill();
  }
});

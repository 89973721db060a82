/**
 * `@idempotent`'s Redis store against the real Redis: the IdempotencyStore contract (the memory
 * store passes it too), its keys, and the `idempotencyStore()` dependency: one client per
 * container, closed on stop, and `memory://` only next to the in-process broker. RabbitMQ plays
 * no part here (test/integration/idempotency/ has it).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Redis } from "ioredis";
import {
  ConfigurationError,
  idempotent,
  MemoryIdempotencyStore,
  rpc,
  runServices,
  service,
  silentLogger,
} from "../../../src/index.js";
import {
  IDEMPOTENCY_KEY_PREFIX,
  type IdempotencyStoreProvider,
  idempotencyStore,
  RedisIdempotencyStore,
} from "../../../src/redis/index.js";
import { uniqueName } from "../../support/broker.js";
import { idempotencyStoreContract } from "../../support/idempotency-store.contract.js";
import { closeIfOpened } from "../../support/resources.js";

const REDIS_URI = "redis://127.0.0.1:6379/0";
const prefix = `${uniqueName("enoki-test-idem")}:`;
const admin = new Redis(REDIS_URI);
const client = new Redis(REDIS_URI, { keyPrefix: prefix });
after(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
  client.disconnect();
});

const store = new RedisIdempotencyStore(client);
idempotencyStoreContract(() => store);

test("records are strings under the client's prefix and idempotency:, expiring with the lease or result", async () => {
  const claim = await store.begin("svc.m:k1", 5_000);
  assert.equal(claim.state, "started");
  const key = `${prefix}${IDEMPOTENCY_KEY_PREFIX}svc.m:k1`;
  assert.equal(await admin.get(key), `running:${(claim as { token: string }).token}`);
  const leaseLeft = await admin.pttl(key);
  assert.ok(leaseLeft > 4_000 && leaseLeft <= 5_000, String(leaseLeft));
  await store.complete("svc.m:k1", (claim as { token: string }).token, '{"a":1}', 60_000);
  assert.equal(await admin.get(key), 'done:{"a":1}');
  assert.ok((await admin.pttl(key)) > 59_000);
});

function makeBookings(name: string, runs: string[]) {
  @service(name)
  class Bookings {
    idempotency = idempotencyStore("development", { keyPrefix: prefix });

    @rpc
    @idempotent((b: Bookings) => b.idempotency)
    async book(who: string): Promise<string> {
      runs.push(who);
      return `${who}-${runs.length}`;
    }
  }
  return Bookings;
}

test("idempotencyStore(): a Redis store per container, closed when the container stops", async () => {
  const name = uniqueName("bookings");
  const runner = await runServices([makeBookings(name, [])], {
    config: { AMQP_URI: "memory://", REDIS_URIS: { development: REDIS_URI } },
    logger: silentLogger,
  });
  const provider = runner.container(name)?.dependencies.get("idempotency") as IdempotencyStoreProvider;
  try {
    assert.ok(provider.get() instanceof RedisIdempotencyStore);
  } finally {
    await runner.stop();
  }
  assert.throws(() => provider.get(), /not set up/);
});

test("idempotencyStore() with memory://: the process's in-process store, one per runner", async () => {
  const name = uniqueName("bookings");
  const runner = await runServices([makeBookings(name, []), makeBookings(`${name}_2`, [])], {
    config: { AMQP_URI: "memory://", REDIS_URIS: { development: "memory://" } },
    logger: silentLogger,
  });
  try {
    const stores = [name, `${name}_2`].map((s) =>
      (runner.container(s)!.dependencies.get("idempotency") as IdempotencyStoreProvider).get(),
    );
    assert.ok(stores[0] instanceof MemoryIdempotencyStore);
    assert.equal(stores[0], stores[1]);
  } finally {
    await runner.stop();
  }
});

test("idempotencyStore() with memory:// next to a real broker is refused, as redis() refuses it", async () => {
  await assert.rejects(
    closeIfOpened(
      runServices([makeBookings(uniqueName("bookings"), [])], {
        config: { AMQP_URI: "amqp://guest:guest@127.0.0.1:1/", REDIS_URIS: { development: "memory://" } },
        logger: silentLogger,
      }),
    ),
    (err: unknown) =>
      err instanceof ConfigurationError && /only runs with the in-process broker/.test(err.message),
  );
});

/**
 * `@idempotent` over the in-memory broker: one run per message key, the first result for every
 * later delivery, nothing recorded for a failed run, a duplicate in progress waited for, a dead
 * run's lease taken over, and a live one's kept.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ConfigurationError,
  eventHandler,
  type IdempotencyStore,
  IdempotentRunInProgress,
  idempotent,
  kwargs,
  MemoryIdempotencyStore,
  rpc,
  service,
  UnserializableValueError,
} from "../../../src/index.js";
import {
  entrypointHook,
  startServices,
  type TestServices,
  workerFactory,
} from "../../../src/testing/index.js";

const store = new MemoryIdempotencyStore();
const runs: string[] = [];
let gate: Promise<void> = Promise.resolve();

@service("bookings")
class Bookings {
  /** The side effect: one entry in `runs` per run. */
  @rpc
  @idempotent(store)
  async book(who: string, seats = 1): Promise<{ who: string; seats: number; run: number }> {
    await gate;
    runs.push(`book ${who}`);
    return { who, seats, run: runs.length };
  }

  /** Decorators the other way round: `@rpc` still binds keyword arguments by name. */
  @idempotent(store)
  @rpc
  async cancel(who: string, reason = "none"): Promise<string> {
    runs.push(`cancel ${who}`);
    return `${who}: ${reason}`;
  }

  @rpc
  @idempotent(store)
  async fail(who: string): Promise<void> {
    runs.push(`fail ${who}`);
    throw new Error(`no ${who}`);
  }

  @rpc
  @idempotent(store, { leaseMs: 150, waitMs: 5_000 })
  async slow(who: string): Promise<string> {
    runs.push(`slow ${who}`);
    await sleep(600);
    return who;
  }

  @rpc
  @idempotent(store, { waitMs: 100 })
  async impatient(who: string): Promise<string> {
    await gate;
    runs.push(`impatient ${who}`);
    return who;
  }

  @rpc
  @idempotent(store)
  async unserializable(): Promise<Map<string, string>> {
    runs.push("unserializable");
    return new Map();
  }

  /** Events carry no message key: the handler names one. */
  @eventHandler("payments", "paid")
  @idempotent((self: Bookings) => self.store(), { key: (args) => String((args[0] as { id: string }).id) })
  async paid(payment: { id: string }): Promise<void> {
    runs.push(`paid ${payment.id}`);
  }

  @eventHandler("payments", "refunded")
  @idempotent(store)
  async refunded(_payment: { id: string }): Promise<void> {
    runs.push("refunded");
  }

  store(): IdempotencyStore {
    return store;
  }
}

let services: TestServices;
before(async () => {
  services = await startServices([Bookings]);
});
after(async () => {
  await services?.stop();
});
beforeEach(() => {
  runs.length = 0;
  store.clear();
  gate = Promise.resolve();
});

const hook = <M extends "book" | "fail" | "slow" | "impatient" | "unserializable" | "paid" | "refunded">(
  method: M,
  messageKey?: string,
) => entrypointHook(services.container(Bookings), method, { messageKey });

test("two deliveries of one message: one run, and the second gets the first's result", async () => {
  const first = await hook("book", "queue:corr-1")("ada", 2);
  const again = await hook("book", "queue:corr-1")("ada", 2);
  assert.deepEqual(first, { who: "ada", seats: 2, run: 1 });
  assert.deepEqual(again, first);
  assert.deepEqual(runs, ["book ada"]);
});

test("another message key is another run", async () => {
  await hook("book", "queue:corr-1")("ada");
  await hook("book", "queue:corr-2")("ada");
  assert.deepEqual(runs, ["book ada", "book ada"]);
});

test("the same key on two methods is two runs: the method is part of the store key", async () => {
  await hook("book", "queue:corr-1")("ada");
  await hook("impatient", "queue:corr-1")("ada");
  assert.deepEqual(runs, ["book ada", "impatient ada"]);
});

test("a run that throws records nothing: the next delivery runs again", async () => {
  await assert.rejects(hook("fail", "queue:corr-1")("bob"), /no bob/);
  await assert.rejects(hook("fail", "queue:corr-1")("bob"), /no bob/);
  assert.deepEqual(runs, ["fail bob", "fail bob"]);
});

test("a delivery that arrives while the first runs waits for it and gets its result", async () => {
  let open!: () => void;
  gate = new Promise((resolve) => {
    open = resolve;
  });
  const first = hook("book", "queue:corr-1")("cy");
  await sleep(50);
  const second = hook("book", "queue:corr-1")("cy");
  await sleep(200);
  assert.deepEqual(runs, [], "neither has run the work yet");
  open();
  const [a, b] = await Promise.all([first, second]);
  assert.deepEqual(b, a);
  assert.deepEqual(runs, ["book cy"]);
});

test("waiting longer than waitMs fails with IdempotentRunInProgress (retryable), not a second run", async () => {
  let open!: () => void;
  gate = new Promise((resolve) => {
    open = resolve;
  });
  const first = hook("impatient", "queue:corr-1")("di");
  await sleep(50);
  const started = Date.now();
  const err = await hook("impatient", "queue:corr-1")("di").catch((e: unknown) => e);
  assert.ok(err instanceof IdempotentRunInProgress, String(err));
  assert.equal(err.code, "ENOKI_IDEMPOTENT_RUN_IN_PROGRESS");
  assert.equal(err.key, "bookings.impatient:queue:corr-1");
  assert.ok(Date.now() - started < 2_000);
  open();
  assert.equal(await first, "di");
  assert.deepEqual(runs, ["impatient di"]);
});

test("a run that died keeps the key only until its lease runs out; then a delivery takes over", async () => {
  // A lease taken by a run on an instance that was then killed: nobody renews or releases it.
  await store.begin("bookings.slow:queue:corr-1", 150);
  const started = Date.now();
  assert.equal(await hook("slow", "queue:corr-1")("eve"), "eve");
  assert.ok(Date.now() - started >= 100, "waited for the lease");
  assert.deepEqual(runs, ["slow eve"]);
});

test("a live run renews its lease: a duplicate waits past the lease for the result", async () => {
  const first = hook("slow", "queue:corr-1")("fay");
  await sleep(350); // more than twice the 150 ms lease
  const second = hook("slow", "queue:corr-1")("fay");
  assert.deepEqual(await Promise.all([first, second]), ["fay", "fay"]);
  assert.deepEqual(runs, ["slow fay"]);
});

test("a result JSON cannot hold fails the run, with the error an RPC reply would give", async () => {
  await assert.rejects(hook("unserializable", "queue:corr-1")(), UnserializableValueError);
  assert.equal(store.size, 0, "the lease was let go");
});

test("a run without a message key and without a key option is refused, naming the option", async () => {
  await assert.rejects(hook("refunded")({ id: "p1" }), (err: unknown) => {
    assert.ok(err instanceof ConfigurationError);
    assert.match(err.message, /bookings\.refunded.*give the option key/);
    return true;
  });
  assert.deepEqual(runs, []);
  await assert.rejects(hook("book")("ada"), ConfigurationError);
});

test("a key option: events made idempotent by an id of their own; a store read off the instance", async () => {
  await hook("paid")({ id: "p1" });
  await hook("paid")({ id: "p1" });
  await hook("paid")({ id: "p2" });
  assert.deepEqual(runs, ["paid p1", "paid p2"]);
});

test("over RPC: parameters bind by name whichever decorator comes first; each call is its own run", async () => {
  const client = services.service(Bookings);
  const untyped = services.rpc.bookings!;
  assert.equal(await untyped.cancel!(kwargs({ who: "gus", reason: "ill" })), "gus: ill");
  assert.deepEqual(await untyped.book!(kwargs({ who: "gus", seats: 3 })), { who: "gus", seats: 3, run: 2 });
  assert.equal(await client.cancel("gus"), "gus: none");
  assert.deepEqual(runs, ["cancel gus", "book gus", "cancel gus"], "new correlation id, new run");
});

test("outside a worker (workerFactory) the method runs as written", async () => {
  const bookings = workerFactory(Bookings);
  assert.deepEqual(await bookings.book("hal"), { who: "hal", seats: 1, run: 1 });
  assert.deepEqual(await bookings.book("hal"), { who: "hal", seats: 1, run: 2 });
  assert.equal(store.size, 0);
});

test("options are checked when the class is declared", () => {
  assert.throws(() => idempotent(store, { leaseMs: 0 }), /leaseMs must be a positive number/);
  assert.throws(() => idempotent(store, { waitMs: Number.NaN }), /waitMs/);
});

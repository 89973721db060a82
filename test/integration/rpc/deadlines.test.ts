/**
 * Deadlines on RabbitMQ: every request with a timeout carries its caller's deadline (the AMQP
 * `expiration`, the milliseconds left, and the `nameko.deadline` header, epoch milliseconds), so
 * the broker drops a request nobody waits for any more; a call made inside a worker waits no
 * longer than its parent's caller; `@rpc({ refuseExpired: true })` answers a request whose
 * deadline has passed with `DeadlineExceeded` instead of running it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  DeadlineExceeded,
  type HttpRequest,
  http,
  RpcTimeout,
  rpc,
  rpcProxy,
  runServices,
  service,
  silentLogger,
  workerContext,
} from "../../../src/index.js";
import { openTap } from "../../support/amqp-tap.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { captureLogger, type LogLine } from "../../support/logs.js";
import { testResources } from "../../support/resources.js";
import { freePort } from "../../support/travel.js";

const resources = testResources();
const uri = brokerUri();

// --- a stopped service that comes back -----------------------------------------------------

const storeName = uniqueName("deadline_store");
const recorded: string[] = [];

@service(storeName)
class Store {
  @rpc
  record(tag: string) {
    recorded.push(tag);
    return tag;
  }
}

test("a call whose caller timed out is not run when its stopped service comes back", async () => {
  const first = await runServices([Store], { config: { AMQP_URI: uri }, logger: silentLogger });
  const client = await resources.client({ uri });
  const record = client.rpc[storeName]!.record!;
  assert.equal(await record("warm-up"), "warm-up"); // the durable queue rpc-<service> exists
  await first.stop();

  // Sent while nobody consumes the queue: "late" first (at the queue's head), then "patient".
  const late = record.withOptions({ timeoutMs: 500 })("late");
  const patient = record.withOptions({ timeoutMs: 0 })("patient"); // waits forever: no deadline
  await assert.rejects(late, RpcTimeout);
  await sleep(1000); // the service comes back 1.5 s after the calls
  await resources.runner([Store], { AMQP_URI: uri });
  assert.equal(await patient, "patient");
  await sleep(500); // "late" was ahead of "patient": had it been delivered it would have run by now
  assert.deepEqual(recorded, ["warm-up", "patient"]);
});

// --- nested calls ---------------------------------------------------------------------------

const frontName = uniqueName("deadline_front");
const backName = uniqueName("deadline_back");

interface Probe {
  deadline: number | undefined;
  remainingMs: number | null;
}

/** What Front's `late` call came to, once its caller's deadline had passed. */
let lateOutcome: Promise<{ name: string; message: string }> | undefined;

@service(backName)
class Back {
  ctx = workerContext();

  @rpc
  probe(): Probe {
    const remaining = this.ctx.remainingMs;
    return { deadline: this.ctx.deadline, remainingMs: Number.isFinite(remaining) ? remaining : null };
  }
}

@service(frontName)
class Front {
  back = rpcProxy(backName);
  ctx = workerContext();

  @rpc
  async relay(ownTimeoutMs: number | null = null): Promise<Probe> {
    const probe = this.back.probe!;
    return (await (ownTimeoutMs === null
      ? probe()
      : probe.withOptions({ timeoutMs: ownTimeoutMs })())) as Probe;
  }

  @rpc
  async late(): Promise<void> {
    let done!: (o: { name: string; message: string }) => void;
    lateOutcome = new Promise((resolve) => {
      done = resolve;
    });
    await sleep(this.ctx.remainingMs + 50);
    try {
      await this.back.probe!();
      done({ name: "none", message: "the call was sent" });
    } catch (err) {
      done({ name: (err as Error).name, message: (err as Error).message });
    }
  }
}

let nestedStarted = false;
async function startNested(): Promise<void> {
  if (nestedStarted) return;
  nestedStarted = true;
  // Front's own timeout is 30 s: only its caller's deadline can make its calls shorter.
  await resources.runner([Front, Back], { AMQP_URI: uri, RPC_TIMEOUT: 30 });
}

const deadlineOf = (headers: Record<string, unknown> | undefined) => Number(headers?.["nameko.deadline"]);

test("a call inside a worker gets what is left of its caller's deadline, not a fresh RPC_TIMEOUT", async () => {
  await startNested();
  const client = await resources.client({ uri, timeoutMs: 1000 });
  await using frontTap = await openTap(uri, "nameko-rpc", `${frontName}.relay`);
  await using backTap = await openTap(uri, "nameko-rpc", `${backName}.probe`);
  const sentAt = Date.now();
  const probe = (await client.rpc[frontName]!.relay!()) as Probe;

  const outer = await frontTap.next();
  assert.equal(outer.properties.expiration, "1000");
  const deadline = deadlineOf(outer.properties.headers);
  assert.ok(
    deadline >= sentAt + 1000 && deadline <= Date.now() + 1000,
    `deadline ${deadline - sentAt} ms ahead`,
  );

  const inner = await backTap.next();
  const expiration = Number(inner.properties.expiration);
  assert.ok(expiration > 0 && expiration <= 1000, `nested expiration ${inner.properties.expiration}`);
  assert.equal(
    deadlineOf(inner.properties.headers),
    deadline,
    "the nested call carries the caller's deadline",
  );
  // The call id stack still goes last, as Nameko writes it.
  assert.equal(Object.keys(inner.properties.headers ?? {}).at(-1), "nameko.call_id_stack");

  assert.equal(probe.deadline, deadline);
  assert.ok(probe.remainingMs !== null && probe.remainingMs <= 1000, `remaining ${probe.remainingMs}`);
});

test("a nested call with a shorter timeout of its own keeps it; without a caller's deadline it has its own", async () => {
  await startNested();
  await using backTap = await openTap(uri, "nameko-rpc", `${backName}.probe`);

  const generous = await resources.client({ uri, timeoutMs: 20_000 });
  const sentAt = Date.now();
  const shorter = (await generous.rpc[frontName]!.relay!(300)) as Probe;
  const inner = await backTap.next();
  assert.ok(Number(inner.properties.expiration) <= 300, `expiration ${inner.properties.expiration}`);
  assert.ok(shorter.deadline !== undefined && shorter.deadline <= Date.now() + 300);
  assert.ok(shorter.deadline < sentAt + 20_000);

  // A caller that waits forever sends no deadline; Front's call then has its own 30 s.
  const patient = await resources.client({ uri, timeoutMs: 0 });
  await using frontTap = await openTap(uri, "nameko-rpc", `${frontName}.relay`);
  const own = (await patient.rpc[frontName]!.relay!()) as Probe;
  const outer = await frontTap.next();
  assert.equal(outer.properties.expiration, undefined);
  assert.equal(outer.properties.headers?.["nameko.deadline"], undefined);
  const nested = await backTap.next();
  const ms = Number(nested.properties.expiration);
  assert.ok(ms > 25_000 && ms <= 30_000, `nested expiration ${nested.properties.expiration}`);
  assert.ok(own.remainingMs !== null && own.remainingMs > 25_000);
});

test("a call made after its worker's deadline passed fails at once with DeadlineExceeded", async () => {
  await startNested();
  const client = await resources.client({ uri });
  await using backTap = await openTap(uri, "nameko-rpc", `${backName}.probe`);
  await assert.rejects(client.rpc[frontName]!.late!.withOptions({ timeoutMs: 300 })(), RpcTimeout);
  for (let i = 0; i < 100 && lateOutcome === undefined; i++) await sleep(50);
  const outcome = await lateOutcome;
  assert.equal(outcome?.name, "DeadlineExceeded");
  assert.match(outcome?.message ?? "", /deadline passed \d+ ms before .*\.probe was called/);
  await assert.rejects(backTap.next(500), /no message/, "nothing was sent");
});

// --- refuseExpired --------------------------------------------------------------------------

const guardedName = uniqueName("deadline_guarded");
const guardedRan: string[] = [];

@service(guardedName)
class Guarded {
  @rpc({ refuseExpired: true })
  guarded(tag: string) {
    guardedRan.push(`guarded ${tag}`);
    return tag;
  }

  @rpc
  plain(tag: string) {
    guardedRan.push(`plain ${tag}`);
    return tag;
  }
}

test("@rpc({ refuseExpired: true }) answers a request past its deadline with DeadlineExceeded", async () => {
  await resources.runner([Guarded], { AMQP_URI: uri });
  // A deadline that has passed but no expiration: what a Python service in the middle of a chain
  // sends (it forwards nameko.deadline as context data, and Nameko sets no expiration).
  const expired = await resources.client({ uri, timeoutMs: 0, contextData: { deadline: Date.now() - 100 } });
  await assert.rejects(expired.rpc[guardedName]!.guarded!("old"), (err: unknown) => {
    assert.ok(err instanceof DeadlineExceeded, String(err));
    assert.match(err.message, /deadline passed \d+ ms before .*\.guarded could start; it was not run/);
    return true;
  });
  // Without the option the method runs: the header is only information.
  assert.equal(await expired.rpc[guardedName]!.plain!("old"), "old");
  // A deadline still ahead, or none at all, runs.
  const client = await resources.client({ uri });
  assert.equal(await client.rpc[guardedName]!.guarded!("fresh"), "fresh");
  const noDeadline = await resources.client({ uri, timeoutMs: 0 });
  assert.equal(await noDeadline.rpc[guardedName]!.guarded!("none"), "none");
  assert.deepEqual(guardedRan, ["plain old", "guarded fresh", "guarded none"]);
});

// --- refuseExpired, while waiting for a worker slot --------------------------------------------

const busyName = uniqueName("deadline_busy");
const busyRan: string[] = [];
let openBusy: () => void = () => {};
let busyStarted = false;

@service(busyName)
class Busy {
  @rpc
  async hold() {
    busyStarted = true;
    await new Promise<void>((resolve) => {
      openBusy = resolve;
    });
    return "held";
  }

  @rpc({ refuseExpired: true })
  guarded(tag: string) {
    busyRan.push(`guarded ${tag}`);
    return tag;
  }

  @rpc
  plain(tag: string) {
    busyRan.push(`plain ${tag}`);
    return tag;
  }
}

test("refuseExpired also refuses a call whose deadline passed while it waited for a worker slot", async () => {
  const logs: LogLine[] = [];
  // One worker slot, but up to 10 requests taken from the queue: the others wait in the process,
  // where the broker's expiration can no longer drop them.
  const runner = await runServices([Busy], {
    config: { AMQP_URI: uri, max_workers: 1, PREFETCH_COUNT: 10 },
    logger: captureLogger(logs),
  });
  resources.defer(() => runner.stop());
  resources.defer(async () => openBusy());
  const client = await resources.client({ uri });
  const held = client.rpc[busyName]!.hold!.withOptions({ timeoutMs: 0 })();
  for (let i = 0; i < 100 && !busyStarted; i++) await sleep(20);
  assert.ok(busyStarted, "hold() runs");

  const guarded = client.rpc[busyName]!.guarded!.withOptions({ timeoutMs: 300 })("queued");
  const plain = client.rpc[busyName]!.plain!.withOptions({ timeoutMs: 300 })("queued");
  await assert.rejects(guarded, RpcTimeout);
  await assert.rejects(plain, RpcTimeout);
  openBusy();
  assert.equal(await held, "held");
  // plain() runs late (nobody reads its result): that is what refuseExpired prevents.
  for (let i = 0; i < 100 && !busyRan.includes("plain queued"); i++) await sleep(20);
  await sleep(300);
  assert.deepEqual(busyRan, ["plain queued"]);
  const refused = logs.find((l) => l.level === "warn" && l.msg.startsWith("refused to start the worker"));
  assert.ok(refused, "a warning says the worker was refused");
  assert.match(refused.msg, /deadline passed \d+ ms before .*\.guarded could start; it was not run/);
});

// --- behind an HTTP gateway (the README's travel gateway, in one process) -----------------------

const warehouseName = uniqueName("deadline_warehouse");
const gatewayName = uniqueName("deadline_gateway");
const stored: string[] = [];

@service(warehouseName)
class Warehouse {
  @rpc
  store(tag: string) {
    stored.push(tag);
    return tag;
  }
}

@service(gatewayName)
class Gateway {
  warehouse = rpcProxy(warehouseName);

  @http("POST", "/store/<tag>")
  async store(_request: HttpRequest, tag: string): Promise<[number, string]> {
    try {
      return [201, (await this.warehouse.store!(tag)) as string];
    } catch (err) {
      if (err instanceof RpcTimeout) return [503, `${warehouseName} did not answer`];
      throw err;
    }
  }
}

test("a gateway's 503 for a stopped service: nothing runs later", async () => {
  const port = await freePort();
  const warehouse = await runServices([Warehouse], { config: { AMQP_URI: uri }, logger: silentLogger });
  await resources.runner([Gateway], {
    AMQP_URI: uri,
    RPC_TIMEOUT: 0.5,
    WEB_SERVER_ADDRESS: `127.0.0.1:${port}`,
  });
  const post = async (tag: string) => {
    const response = await fetch(`http://127.0.0.1:${port}/store/${tag}`, { method: "POST" });
    return [response.status, await response.text()];
  };
  assert.deepEqual(await post("first"), [201, "first"]);
  await warehouse.stop();
  assert.deepEqual(await post("unanswered"), [503, `${warehouseName} did not answer`]);
  await sleep(1000); // back 1.5 s after the request
  await resources.runner([Warehouse], { AMQP_URI: uri });
  assert.deepEqual(await post("after"), [201, "after"]);
  await sleep(300);
  assert.deepEqual(stored, ["first", "after"]);
});

/**
 * `@idempotent` with its Redis store, against the real RabbitMQ and Redis: the copies of one RPC
 * request that at-least-once delivery hands out (the same reply_to and correlation id), run
 * by two instances of a service, make one side effect and all get its result; a connection cut
 * mid-call, whose redelivered copy the other instance takes, makes one too. The same methods
 * without `@idempotent` are the control: there, every copy runs.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import {
  config,
  idempotent,
  rpc,
  runServices,
  type ServiceClass,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../../src/index.js";
import { idempotencyStore } from "../../../src/redis/index.js";
import { createTransport } from "../../../src/runtime/create-transport.js";
import { createVhost, rabbitmqctl, rabbitmqctlAsync, uniqueName } from "../../support/broker.js";
import { type RawRpcCaller, rawRpcCaller } from "../../support/raw-rpc.js";
import { testResources } from "../../support/resources.js";

const REDIS_URI = "redis://127.0.0.1:6379/0";
const prefix = `${uniqueName("enoki-test-idem")}:`;
const resources = testResources();
const { uri, vhost } = createVhost("enoki-idem");
const admin = new Redis(REDIS_URI);
after(async () => {
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  admin.disconnect();
});

/** Every run of a method: `<instance> <method> <argument>`. */
const runs: string[] = [];

function makeTrips(name: string, workMs: number) {
  @service(name)
  class Trips {
    config = config<{ INSTANCE: string }>();
    idempotency = idempotencyStore("development", { keyPrefix: prefix });

    @rpc
    @idempotent((trips: Trips) => trips.idempotency)
    async create(from: string): Promise<string> {
      return this.#book("create", from);
    }

    @rpc
    async createPlain(from: string): Promise<string> {
      return this.#book("createPlain", from);
    }

    async #book(method: string, from: string): Promise<string> {
      runs.push(`${this.config.INSTANCE} ${method} ${from}`);
      await sleep(workMs);
      return `${from}-${randomUUID()}`;
    }
  }
  return Trips;
}

/** Runs `cls` as one instance, on a connection of its own named `enoki <instance> <service>`. */
async function instance(cls: ServiceClass, instanceName: string, service: string): Promise<ServiceRunner> {
  const connectionName = `enoki ${instanceName} ${service}`;
  const transport = createTransport(uri, { connectionName, logger: silentLogger });
  const runner = await runServices([cls], {
    config: {
      AMQP_URI: uri,
      INSTANCE: instanceName,
      REDIS_URIS: { development: REDIS_URI },
      max_workers: 30,
    },
    logger: silentLogger,
    transport,
  });
  resources.defer(async () => {
    await runner.stop();
    await transport.close();
  });
  return runner;
}

async function rawCaller(): Promise<RawRpcCaller> {
  const caller = await rawRpcCaller(uri);
  resources.defer(() => caller.close());
  return caller;
}

test("20 copies of one request on two instances: with @idempotent one trip, every copy answered with it", async () => {
  const name = uniqueName("trips");
  const cls = makeTrips(name, 50);
  await instance(cls, "a", name);
  await instance(cls, "b", name);
  const caller = await rawCaller();
  runs.length = 0;

  await caller.send(`${name}.create`, ["LHR"], randomUUID(), 20);
  const replies = await caller.replies(20, 20_000);
  assert.equal(replies.length, 20);
  assert.ok(
    replies.every((r) => r.error === null && r.result === replies[0]?.result),
    JSON.stringify(replies),
  );
  const trips = runs.filter((r) => r.endsWith("create LHR")).length;

  // The control: the same copies to the method without @idempotent.
  runs.length = 0;
  const plain = await rawCaller();
  await plain.send(`${name}.createPlain`, ["CDG"], randomUUID(), 20);
  const plainReplies = await plain.replies(20, 20_000);
  assert.equal(plainReplies.length, 20);
  const plainTrips = runs.length;
  console.log(
    `# 20 copies of one request on 2 instances: ${trips} trip with @idempotent, ${plainTrips} without`,
  );
  assert.equal(trips, 1, runs.join("\n"));
  assert.equal(plainTrips, 20);
  assert.equal(new Set(plainReplies.map((r) => r.result)).size, 20, "without it, 20 different trips");
});

/** The broker's id of the connection named `name` in this file's vhost. */
function connectionNamed(name: string): string {
  const connections = rabbitmqctl("list_connections", "-p", vhost, "pid", "client_properties");
  const line = connections.split("\n").find((l) => l.includes(`"connection_name","${name}"`));
  assert.ok(line, connections);
  return line.split("\t")[0] as string;
}

test("a connection cut mid-call: copies the other instance takes return the first runs' trips", async () => {
  const name = uniqueName("trips");
  const calls = 10;
  // Long enough for rabbitmqctl (seconds to start) to cut the connection while the calls run.
  const cls = makeTrips(name, 8_000);
  await instance(cls, "a", name);
  const connectionOfA = connectionNamed(`enoki a ${name}`);
  const caller = await resources.client({ uri, timeoutMs: 60_000 });
  runs.length = 0;
  const from = Array.from({ length: calls }, (_, i) => `A${i}`);
  const created = Promise.all(from.map((f) => caller.rpc[name]!.create!(f)));
  const plain = Promise.all(from.map((f) => caller.rpc[name]!.createPlain!(`P${f}`)));
  while (runs.length < 2 * calls) await sleep(10);
  // Instance b takes (some of) the copies the broker hands out again once a's connection goes;
  // a, reconnected at once, may take the others (its own ledger keeps those from running twice).
  const b = await instance(cls, "b", name);
  const takenByB: string[] = [];
  b.container(name)?.onWorkerDone((w) => {
    if (w.context.method === "create" && w.outcome.ok) takenByB.push(String(w.outcome.result));
  });
  await rabbitmqctlAsync("close_connection", connectionOfA, "cut instance a");
  const [trips, plainTrips] = await Promise.all([created, plain]);
  await sleep(2_000); // a rerun by b would end within this
  const createRuns = runs.filter((r) => r.includes(" create "));
  const plainRuns = runs.filter((r) => r.includes(" createPlain "));
  console.log(
    `# a connection cut with ${calls} calls of each in flight: @idempotent ${createRuns.length} runs ` +
      `(${takenByB.length} copies taken by the other instance, answered with the first run's trip); ` +
      `without it ${plainRuns.length} runs`,
  );
  assert.deepEqual(
    trips.map((t) => String(t).split("-")[0]),
    from,
  );
  assert.equal(plainTrips.length, calls);
  assert.deepEqual(createRuns.sort(), from.map((f) => `a create ${f}`).sort(), "each ran once, on a");
  assert.ok(takenByB.length > 0, "b took copies of create");
  for (const trip of takenByB) assert.ok(trips.includes(trip), `b answered ${trip}, a trip a made`);
  assert.ok(plainRuns.length > calls, `the control ran again on b: ${plainRuns.join(", ")}`);
});

/**
 * Health endpoints against a real broker: ready only while connected and consuming. This file
 * cuts connections, so it has a vhost of its own.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AmqpTransport } from "../../../src/amqp/amqp-transport.js";
import { type HealthServer, startHealthServer } from "../../../src/health/health-server.js";
import {
  type Cluster,
  connect,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../../src/index.js";
import { createVhost, rabbitmqctl, uniqueName } from "../../support/broker.js";

const { uri, vhost } = createVhost();

function makeService(name: string) {
  @service(name)
  class Pinger {
    @rpc
    ping() {
      return "pong";
    }
  }
  return Pinger;
}

const name = uniqueName("pinger");
let transport: AmqpTransport;
let runner: ServiceRunner;
let base: string;

before(async () => {
  // Short backoff, so that reconnecting does not dominate the test's time.
  transport = await AmqpTransport.connect({
    uri,
    logger: silentLogger,
    connectionName: "test",
    backoff: { initialDelayMs: 100, maxDelayMs: 500 },
  });
  runner = await runServices([makeService(name)], {
    config: { AMQP_URI: uri, HEALTH_ADDRESS: "127.0.0.1:0" },
    transport,
    logger: silentLogger,
  });
  const address = runner.health?.address;
  assert.ok(address);
  base = `http://${address.host}:${address.port}`;
});
after(async () => {
  await runner?.stop();
  await transport?.close();
});

async function probe(
  path: string,
  init?: RequestInit,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Polls `path` until it answers `status`; fails after `ms`. */
async function until(path: string, status: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  let last: number | undefined;
  while (Date.now() < deadline) {
    // A kept-alive socket the server closes as the poll reuses it (a race that a loaded machine
    // widens) is a failed poll, not a failed test: poll again.
    last = await probe(path).then(
      (answer) => answer.status,
      () => last,
    );
    if (last === status) return;
    await sleep(50);
  }
  assert.fail(`${path} still answered ${last} after ${ms} ms, not ${status}`);
}

test("live and ready while running", async () => {
  assert.deepEqual(await probe("/health/live"), { status: 200, body: { status: "live" } });
  const ready = await probe("/health/ready");
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { status: "ready", transport: "connected", services: { [name]: "running" } });
});

test("the health server binds the configured address", () => {
  assert.equal(runner.health?.address?.host, "127.0.0.1");
});

test("not ready while the broker connection is cut; ready again after it reconnects", async () => {
  // Refuse the vhost first, so the transport stays disconnected long enough to be seen.
  rabbitmqctl("clear_permissions", "-p", vhost, "guest");
  try {
    rabbitmqctl("close_all_connections", "-p", vhost, "test");
    await until("/health/ready", 503, 10_000);
    const down = await probe("/health/ready");
    assert.equal(down.body.status, "unavailable");
    assert.notEqual(down.body.transport, "connected");
    assert.equal((await probe("/health/live")).status, 200);
  } finally {
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
  }
  await until("/health/ready", 200, 15_000);
  // An outage longer than a second used to kill the container: the consumer tried to re-open
  // its channel on the dead connection and reported that as a failure.
  assert.equal(runner.container(name)?.state, "running");
  // Ready means consuming again: a call gets through.
  const cluster: Cluster = await connect({ uri, logger: silentLogger });
  try {
    assert.equal(await cluster.rpc[name]!.ping!(), "pong");
  } finally {
    await cluster.close();
  }
});

test("a plain cut (immediate reconnect) ends ready", async () => {
  const seen: string[] = [];
  const off = transport.onStatus((status) => seen.push(status));
  try {
    rabbitmqctl("close_all_connections", "-p", vhost, "test");
    const deadline = Date.now() + 15_000;
    while (!seen.includes("connected") && Date.now() < deadline) await sleep(50);
    assert.deepEqual(seen, ["disconnected", "connected"]);
    assert.equal((await probe("/health/ready")).status, 200);
  } finally {
    off();
  }
});

test("other paths and methods", async () => {
  const missing = await probe("/health");
  assert.equal(missing.status, 404);
  const post = await fetch(`${base}/health/live`, { method: "POST", body: "x" });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
  const head = await fetch(`${base}/health/ready`, { method: "HEAD" });
  assert.equal(head.status, 200);
});

test("no health server unless HEALTH_ADDRESS is set", async () => {
  const health = await startHealthServer({}, () => ({ transport: undefined, services: {} }), silentLogger);
  try {
    assert.equal(health, undefined);
  } finally {
    await health?.close();
  }
});

test("not ready before the services run, nor while they stop", async () => {
  let state = { transport: "connected" as const, services: { a: "starting" as string } };
  const health = (await startHealthServer(
    { HEALTH_ADDRESS: "127.0.0.1:0" },
    () => state as never,
    silentLogger,
  )) as HealthServer;
  try {
    const url = `http://127.0.0.1:${health.address?.port}/health/ready`;
    assert.equal((await fetch(url)).status, 503);
    state = { ...state, services: { a: "running" } };
    assert.equal((await fetch(url)).status, 200);
    state = { ...state, services: { a: "stopping" } };
    assert.equal((await fetch(url)).status, 503);
  } finally {
    await health.close();
  }
});

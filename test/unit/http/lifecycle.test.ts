/**
 * The HTTP server across stop and kill, over the in-memory transport (no broker involved).
 */
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type HttpRequest, http, runServices, service, silentLogger } from "../../../src/index.js";
import { httpBase } from "../../support/http.js";

function makeSlow(name: string, path = "/slow", onStart?: () => void) {
  @service(name)
  class Slow {
    @http("GET", `${path}/<int:ms>`)
    async slow(_request: HttpRequest, ms: number) {
      onStart?.();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return `slept ${ms}`;
    }
  }
  return Slow;
}

function start(...classes: (new () => object)[]) {
  return runServices(classes, {
    config: { AMQP_URI: "memory://", WEB_SERVER_ADDRESS: "127.0.0.1:0" },
    logger: silentLogger,
  });
}

/**
 * Whether a new connection to the server is refused. (A fetch could reuse a pooled keep-alive
 * connection the server has just closed, and fail with "other side closed" instead.)
 */
function connectError(base: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.on("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
  });
}

async function fetchStatus(url: string): Promise<number | string> {
  try {
    const res = await fetch(url);
    await res.text();
    return res.status;
  } catch (err) {
    return ((err as Error).cause as { code?: string } | undefined)?.code ?? String(err);
  }
}

test("graceful stop finishes requests in flight, refuses new ones, then closes", async () => {
  const name = "slow";
  let started!: () => void;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  await using runner = await start(makeSlow(name, "/slow", () => started()));
  const base = httpBase(runner, name);
  // Long enough that a loaded machine still asks for the new request while this one runs.
  const inFlight = fetch(`${base}/slow/3000`).then(async (r) => [r.status, await r.text()]);
  await running;
  const stopped = runner.stop();
  await sleep(100);
  // Stopping: the server still answers, but the service takes no new work.
  assert.equal(await fetchStatus(`${base}/slow/1`), 503);
  assert.deepEqual(await inFlight, [200, "slept 3000"]);
  await stopped;
  assert.equal(await connectError(base), "ECONNREFUSED");
});

test("idle keep-alive connections do not hold up a stop", async () => {
  const name = "idle";
  await using runner = await start(makeSlow(name));
  const { port } = new URL(httpBase(runner, name));
  const agent = new (await import("node:http")).Agent({ keepAlive: true });
  try {
    await new Promise<void>((resolve, reject) => {
      request({ port, host: "127.0.0.1", path: "/slow/1", agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      })
        .on("error", reject)
        .end();
    });
    const began = Date.now();
    await runner.stop();
    assert.ok(Date.now() - began < 3000, `stop took ${Date.now() - began} ms`);
  } finally {
    agent.destroy();
  }
});

test("kill answers 503 to requests in flight at once", async () => {
  const name = "killed";
  await using runner = await start(makeSlow(name));
  const base = httpBase(runner, name);
  const began = Date.now();
  const inFlight = fetch(`${base}/slow/5000`).then(async (r) => [
    r.status,
    ((await r.json()) as { error: string }).error,
  ]);
  await sleep(200);
  await runner.kill();
  assert.deepEqual(await inFlight, [503, "ServiceUnavailable"]);
  assert.ok(Date.now() - began < 3000);
});

test("the shared server stays up until the last service using it stops", async () => {
  const a = "first";
  const b = "second";
  const runner = await start(makeSlow(a, "/a"), makeSlow(b, "/b"));
  const base = httpBase(runner, a);
  try {
    assert.equal(httpBase(runner, b), base);
    await runner.container(a)?.stop();
    assert.equal(await fetchStatus(`${base}/a/1`), 503);
    assert.equal(await fetchStatus(`${base}/b/1`), 200);
  } finally {
    await runner.stop();
  }
  assert.equal(await connectError(base), "ECONNREFUSED");
});

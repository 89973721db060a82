/**
 * With no OpenTelemetry SDK registered (this file registers none), tracing costs nothing on the
 * wire: a trace context the worker received is forwarded unchanged with the calls it makes, as
 * plain Nameko forwards every `nameko.*` header, and a call that carried none sends none. Nor
 * does it cost anything in the process: no span is made and the API is never loaded.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import {
  type Cluster,
  connect,
  MemoryBroker,
  rpc,
  rpcProxy,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
  workerContext,
} from "../../../src/index.js";

const suffix = randomBytes(3).toString("hex");

@service(`inner_${suffix}`)
class Inner {
  ctx = workerContext();

  @rpc
  seen() {
    return {
      traceparent: this.ctx.data.traceparent ?? null,
      ids: this.ctx.traceIds?.traceId ?? null,
      span: this.ctx.span === undefined ? "none" : "made",
    };
  }
}

@service(`outer_${suffix}`)
class Outer {
  inner = rpcProxy(`inner_${suffix}`);

  @rpc
  forward() {
    return this.inner.seen!();
  }
}

let runner: ServiceRunner;
const clients: Cluster[] = [];
const broker = new MemoryBroker();

before(async () => {
  runner = await runServices([Inner, Outer], {
    config: { AMQP_URI: "memory://" },
    logger: silentLogger,
    memoryBroker: broker,
  });
});

after(async () => {
  for (const client of clients) await client.close();
  await runner?.stop();
});

async function client(contextData: Record<string, unknown> = {}): Promise<Cluster> {
  const cluster = await connect({
    uri: "memory://",
    memoryBroker: broker,
    logger: silentLogger,
    contextData,
  });
  clients.push(cluster);
  return cluster;
}

test("a received trace context is forwarded unchanged through a worker's calls", async () => {
  const traceparent = `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
  const cluster = await client({ traceparent });
  const seen = await cluster.rpc[`outer_${suffix}`]!.forward!();
  assert.deepEqual(
    seen,
    { traceparent, ids: null, span: "none" },
    "the inner worker got the caller's context; with no SDK (no propagator) it has no span of its own",
  );
});

test("a call without a trace context sends none", async () => {
  const cluster = await client();
  assert.deepEqual(await cluster.rpc[`outer_${suffix}`]!.forward!(), {
    traceparent: null,
    ids: null,
    span: "none",
  });
});

test("with nothing registered, the OpenTelemetry API is never loaded", async () => {
  const cluster = await client();
  await cluster.rpc[`outer_${suffix}`]!.forward!();
  // Enoki loads the API with require (this file imports none of it): it would be in the cache.
  const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) =>
    f.includes("@opentelemetry"),
  );
  assert.deepEqual(loaded, []);
});

/**
 * The one worker contract every entrypoint relies on: `spawnWorker` says what became of the work
 * (`finished`, `not-started`, `killed`), a killed container calls no result handler, and the
 * worker context knows its entrypoint kind, its start, and the headers extensions add.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ServiceContainer } from "../../../src/core/container.js";
import type { Entrypoint, WorkerRun } from "../../../src/core/extension.js";
import type { ExtensionHost } from "../../../src/core/extension-host.js";
import { type AnyMethodContext, addEntrypoint, service } from "../../../src/core/service.js";
import type { WorkerContext } from "../../../src/core/worker-context.js";
import { silentLogger } from "../../../src/util/logger.js";
import { nullTransport } from "../../support/null-transport.js";

class Gate implements Entrypoint {
  readonly kind = "gate";
  readonly name: string;
  readonly expected = [];
  constructor(
    readonly method: string,
    readonly host: ExtensionHost,
  ) {
    this.name = `gate ${method}`;
    gates.set(method, this);
  }
}
const gates = new Map<string, Gate>();
const gate = (method: Function, context: AnyMethodContext) =>
  addEntrypoint("gate", method, context, (host, sig) => new Gate(sig.method, host));

let seen: WorkerContext | undefined;

@service("contract")
class Contract {
  @gate
  async slow(ms: number) {
    await sleep(ms);
    return ms;
  }
  @gate
  who() {
    return "me";
  }
}

function containerFor(config: Record<string, unknown> = {}) {
  return new ServiceContainer(Contract, { transport: nullTransport, logger: silentLogger, config });
}

test("a finished worker: its result handler ran, and spawnWorker says finished with the outcome", async () => {
  const container = containerFor();
  await container.start();
  try {
    const handled: unknown[] = [];
    const run = await container.spawnWorker(gates.get("slow")!, [5], {}, (ctx, outcome) => {
      seen = ctx;
      handled.push(outcome);
    });
    assert.deepEqual(run, { status: "finished", outcome: { ok: true, result: 5 } });
    assert.deepEqual(handled, [{ ok: true, result: 5 }]);
    assert.equal(seen?.entrypointKind, "gate");
    assert.ok(seen !== undefined && seen.startedAt > 0 && seen.startedAt <= performance.now());
  } finally {
    await container.stop();
  }
});

test("killed while running: no result handler is called, and the run says killed", async () => {
  const container = containerFor();
  await container.start();
  let handled = false;
  const running = container.spawnWorker(gates.get("slow")!, [100], {}, () => {
    handled = true;
  });
  await sleep(10);
  await container.kill();
  const run: WorkerRun = await running;
  assert.equal(run.status, "killed");
  assert.equal(handled, false, "a killed container must not settle the message");
});

test("no slot before the container stops: the run says not-started and nothing ran", async () => {
  const container = containerFor({ max_workers: 1 });
  await container.start();
  const first = container.spawnWorker(gates.get("slow")!, [50], {});
  let ran = false;
  const second = container.spawnWorker(gates.get("who")!, [], {}, () => {
    ran = true;
  });
  await sleep(5);
  const stopping = container.stop();
  assert.deepEqual(await second, { status: "not-started" });
  assert.equal((await first).status, "finished");
  await stopping;
  assert.equal(ran, false);
});

test("outgoing headers: context headers, plus what extensions add, for each message", async () => {
  const container = containerFor();
  const added: string[] = [];
  const remove = container.outgoingHeaders.add((headers, message) => {
    added.push(`${message.kind} ${message.target}`);
    headers["nameko.traceparent"] = "00-abc-def-01";
  });
  await container.start();
  try {
    // Assertions stay outside result handlers: the container logs and swallows their throws.
    let headers: Readonly<Record<string, unknown>> = {};
    let own: Readonly<Record<string, unknown>> = {};
    await container.spawnWorker(gates.get("who")!, [], { language: "fr" }, (ctx) => {
      headers = ctx.headersFor({ kind: "rpc", target: "other.method" });
      own = ctx.headers;
    });
    assert.equal(headers["nameko.language"], "fr");
    assert.equal(headers["nameko.traceparent"], "00-abc-def-01");
    assert.match(String((headers["nameko.call_id_stack"] as string[])[0]), /^contract\.who\./);
    assert.equal(own["nameko.traceparent"], undefined, "the worker's own headers stay as they came");
    assert.deepEqual(added, ["rpc other.method"]);
    remove();
    let copied = true;
    await container.spawnWorker(gates.get("who")!, [], {}, (ctx) => {
      copied = ctx.headersFor({ kind: "event", target: "a.b" }) !== ctx.headers;
    });
    assert.equal(copied, false, "no copy without contributors");
  } finally {
    await container.stop();
  }
});

/**
 * `Entrypoint.refuseWorker`: asked once a worker has its slot; an error it returns ends the worker
 * with that error, without running the method, injecting dependencies or calling any hook.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceContainer } from "../../../src/core/container.js";
import { dependency } from "../../../src/core/dependency.js";
import type { Entrypoint, WorkerOutcome } from "../../../src/core/extension.js";
import { type AnyMethodContext, addEntrypoint, service } from "../../../src/core/service.js";
import type { WorkerContext } from "../../../src/core/worker-context.js";
import { captureLogger, type LogLine } from "../../support/logs.js";
import { nullTransport } from "../../support/null-transport.js";

class Picky implements Entrypoint {
  readonly kind = "picky";
  readonly name: string;
  readonly expected = [];
  constructor(readonly method: string) {
    this.name = `picky ${method}`;
    entrypoints.set(method, this);
  }
  refuseWorker(ctx: WorkerContext): Error | undefined {
    return ctx.data.refuse ? new Error("not today") : undefined;
  }
}
const entrypoints = new Map<string, Picky>();
const picky = (method: Function, context: AnyMethodContext) =>
  addEntrypoint("picky", method, context, (_host, sig) => new Picky(sig.method));

const events: string[] = [];

@service("picky_service")
class PickyService {
  tracked = dependency("tracked", () => ({
    name: "tracked",
    get: () => events.push("get"),
    workerSetup: () => void events.push("setup"),
    workerResult: () => void events.push("result"),
    workerTeardown: () => void events.push("teardown"),
  }));

  @picky
  run() {
    events.push("method");
    return "ran";
  }
}

test("a refused worker: the error is its outcome; no method, no injection, no hook; a warning", async () => {
  const logs: LogLine[] = [];
  const container = new ServiceContainer(PickyService, {
    transport: nullTransport,
    logger: captureLogger(logs),
    config: {},
  });
  await container.start();
  try {
    const outcomes: WorkerOutcome[] = [];
    const run = await container.spawnWorker(entrypoints.get("run")!, [], { refuse: true }, (_ctx, o) => {
      outcomes.push(o);
    });
    assert.equal(run.status, "finished");
    assert.equal(outcomes.length, 1);
    assert.ok(!outcomes[0]!.ok && (outcomes[0]!.error as Error).message === "not today");
    assert.deepEqual(events, []);
    const warning = logs.find((l) => l.msg === "refused to start the worker: not today");
    assert.equal(warning?.level, "warn");

    await container.spawnWorker(entrypoints.get("run")!, [], {}, (_ctx, o) => {
      outcomes.push(o);
    });
    assert.deepEqual(outcomes[1], { ok: true, result: "ran" });
    assert.deepEqual(events, ["get", "setup", "method", "result", "teardown"]);
  } finally {
    await container.stop();
  }
});

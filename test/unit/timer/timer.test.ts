/**
 * `@timer`: the schedule, overruns, stop, worker contexts and max_workers. Over the in-memory
 * transport: timers use no broker.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import {
  type Config,
  dependency,
  runServices,
  type ServiceClass,
  type ServiceRunner,
  service,
  silentLogger,
  timer,
  type WorkerContext,
} from "../../../src/index.js";
import { captureLogger } from "../../support/logs.js";
import { delay, waitFor } from "../../support/wait.js";

const runners: ServiceRunner[] = [];
after(async () => {
  await Promise.all(runners.map((r) => r.stop()));
});

async function run(cls: ServiceClass, config: Config = {}, logger = silentLogger): Promise<ServiceRunner> {
  const runner = await runServices([cls], { config: { AMQP_URI: "memory://", ...config }, logger });
  runners.push(runner);
  return runner;
}

interface Run {
  start: number;
  end?: number;
}

/** A service with one timer whose body takes `bodyMs`; records each run. */
function ticking(interval: number, bodyMs: number, runs: Run[], eager = false) {
  @service("ticker")
  class Ticker {
    @timer({ interval, eager })
    async tick() {
      const run: Run = { start: performance.now() };
      runs.push(run);
      await delay(bodyMs);
      run.end = performance.now();
    }
  }
  return Ticker;
}

test("ticks follow start + n × interval; not eager, the first comes after one interval", async () => {
  const runs: Run[] = [];
  const started = performance.now();
  await run(ticking(0.3, 0, runs));
  await waitFor(() => runs.length >= 4, "4 ticks");
  const first = (runs[0] as Run).start;
  assert.ok(first - started >= 290, `the first tick came ${first - started} ms after starting`);
  const offsets = runs.slice(1, 4).map((r) => r.start - first);
  for (const [i, offset] of offsets.entries()) {
    // Fixed schedule: tick n at first + n × 300 ms (late by load, never early, and no drift).
    assert.ok(offset >= (i + 1) * 300 - 20 && offset < (i + 1) * 300 + 200, `tick ${i + 2} at +${offset} ms`);
  }
});

test("eager: the first tick fires at start", async () => {
  const runs: Run[] = [];
  const started = performance.now();
  await run(ticking(5, 0, runs, true));
  await waitFor(() => runs.length >= 1, "the eager tick", 2000);
  assert.ok((runs[0] as Run).start - started < 3000, "not after the 5 s interval");
});

test("a run that overruns is followed at once by the next, and runs never overlap", async () => {
  const runs: Run[] = [];
  await run(ticking(0.2, 500, runs));
  await waitFor(() => runs.length >= 4, "4 runs");
  for (let i = 1; i < 4; i++) {
    const previous = runs[i - 1] as Run;
    const current = runs[i] as Run;
    assert.ok(previous.end !== undefined && current.start >= previous.end, `run ${i} overlaps`);
    assert.ok(current.start - previous.end < 150, `run ${i} waited ${current.start - previous.end} ms`);
  }
});

test("stop cancels the next tick and waits for a running one", async () => {
  const runs: Run[] = [];
  const runner = await run(ticking(0.2, 700, runs));
  await waitFor(() => runs.length === 1, "the first run");
  await runner.stop();
  assert.ok((runs[0] as Run).end !== undefined, "the running tick finished before stop returned");
  await delay(600);
  assert.equal(runs.length, 1);
});

test("each tick is a worker with a new call id stack; errors are logged and ticking goes on", async () => {
  const contexts: WorkerContext[] = [];
  const name = "ctx_ticker";
  @service(name)
  class ContextTicker {
    ctx = dependency<WorkerContext>("ctx", () => ({ name: "ctx", get: (ctx: WorkerContext) => ctx }));
    @timer({ interval: 0.1 })
    tick() {
      contexts.push(this.ctx);
      throw new Error("tick failed");
    }
  }
  const logger = captureLogger();
  await run(ContextTicker, {}, logger);
  await waitFor(() => contexts.length >= 3, "3 ticks");
  const uuid = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
  for (const ctx of contexts) {
    assert.equal(ctx.callIdStack.length, 1);
    assert.match(ctx.callId, new RegExp(`^${name}\\.tick\\.${uuid}$`));
  }
  assert.equal(new Set(contexts.map((c) => c.callId)).size, contexts.length);
  assert.ok(logger.lines.some((l) => l.level === "error" && l.msg === "error in worker"));
});

test("ticks count against max_workers", async () => {
  let running = 0;
  let most = 0;
  let ticks = 0;
  const work = async () => {
    ticks++;
    running++;
    most = Math.max(most, running);
    await delay(150);
    running--;
  };
  @service("busy")
  class Busy {
    @timer({ interval: 0.05, eager: true })
    async a() {
      await work();
    }
    @timer({ interval: 0.05, eager: true })
    async b() {
      await work();
    }
  }
  await run(Busy, { max_workers: 1 });
  await waitFor(() => ticks >= 6, "6 ticks");
  assert.equal(most, 1);
});

test("the interval must be a positive number of seconds", () => {
  assert.throws(() => timer({ interval: 0 }), /positive number of seconds/);
  assert.throws(() => timer({ interval: Number.NaN }), /positive number of seconds/);
});

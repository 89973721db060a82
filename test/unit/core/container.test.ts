import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ServiceContainer } from "../../../src/core/container.js";
import { dependency } from "../../../src/core/dependency.js";
import { DependencyNotInjected, ExtensionTimeoutError } from "../../../src/core/errors.js";
import type { Entrypoint, WorkerOutcome } from "../../../src/core/extension.js";
import type { ExtensionHost } from "../../../src/core/extension-host.js";
import { type AnyMethodContext, addEntrypoint, service } from "../../../src/core/service.js";
import { ConfigurationError } from "../../../src/util/enoki-error.js";
import { silentLogger } from "../../../src/util/logger.js";
import { captureLogger } from "../../support/logs.js";
import { nullTransport } from "../../support/null-transport.js";

/** A test entrypoint that records its lifecycle and lets the test start workers. */
class Probe implements Entrypoint {
  readonly kind = "probe";
  readonly name: string;
  readonly expected = [];
  constructor(
    readonly method: string,
    readonly log: string[],
    readonly container: ExtensionHost,
  ) {
    this.name = `probe ${method}`;
    probes.set(method, this);
  }
  async setup() {
    this.log.push(`setup ${this.method}`);
  }
  async start() {
    this.log.push(`start ${this.method}`);
  }
  async stop() {
    this.log.push(`stop ${this.method}`);
  }
  async kill() {
    this.log.push(`kill ${this.method}`);
  }
  async run(...args: unknown[]): Promise<WorkerOutcome | undefined> {
    const run = await this.container.spawnWorker(this, args, {});
    return run.status === "not-started" ? undefined : run.outcome;
  }
}
const probes = new Map<string, Probe>();
const probe = (log: string[]) => (method: Function, context: AnyMethodContext) =>
  addEntrypoint("probe", method, context, (container, sig) => new Probe(sig.method, log, container));

function recorder(log: string[], name: string, opts: { stopDelayMs?: number } = {}) {
  return dependency<string>(name, () => ({
    name,
    setup: async () => void log.push(`setup ${name}`),
    start: async () => void log.push(`start ${name}`),
    stop: async () => {
      if (opts.stopDelayMs) await sleep(opts.stopDelayMs);
      log.push(`stop ${name}`);
    },
    kill: async () => void log.push(`kill ${name}`),
    get: (ctx) => `${name}@${ctx.method}`,
    workerSetup: () => void log.push(`workerSetup ${name}`),
    workerResult: (_ctx, outcome) => void log.push(`workerResult ${name} ${outcome.ok}`),
    workerTeardown: () => void log.push(`workerTeardown ${name}`),
  }));
}

function makeService(log: string[], opts: { stopDelayMs?: number } = {}) {
  @service("lifecycle")
  class Lifecycle {
    dep = recorder(log, "dep", opts);
    @probe(log)
    async work(ms: number) {
      log.push(`work ${this.dep}`);
      await sleep(ms);
      log.push("work done");
      return ms;
    }
    @probe(log)
    fail() {
      throw new Error("boom");
    }
  }
  return Lifecycle;
}

const containerFor = (cls: new () => object, extra: object = {}) =>
  new ServiceContainer(cls, { transport: nullTransport, logger: silentLogger, ...extra });

describe("container lifecycle", () => {
  test("start: setup on every extension, then start on every extension", async () => {
    const log: string[] = [];
    const container = containerFor(makeService(log));
    await container.start();
    assert.deepEqual(log.slice(0, 3).sort(), ["setup dep", "setup fail", "setup work"]);
    assert.deepEqual(log.slice(3).sort(), ["start dep", "start fail", "start work"]);
    await container.stop();
  });

  test("stop: entrypoints, then running workers finish, then dependencies", async () => {
    const log: string[] = [];
    const container = containerFor(makeService(log));
    await container.start();
    log.length = 0;
    const running = probes.get("work")!.run(50);
    await sleep(5);
    await container.stop();
    const outcome = await running;
    assert.deepEqual(outcome, { ok: true, result: 50 });
    const stops = log.filter((l) => !l.startsWith("worker"));
    assert.deepEqual(stops.slice(0, 1), ["work dep@work"]);
    assert.ok(log.indexOf("work done") < log.indexOf("stop dep"), "workers finish before dependencies stop");
    assert.ok(log.indexOf("stop work") < log.indexOf("work done"), "entrypoints stop first");
    assert.ok(log.indexOf("workerTeardown dep") < log.indexOf("stop dep"));
    assert.equal(await container.closed, undefined);
    assert.equal(container.state, "stopped");
  });

  test("worker hooks run around the method, in Nameko's order", async () => {
    const log: string[] = [];
    const container = containerFor(makeService(log));
    await container.start();
    log.length = 0;
    await probes.get("work")!.run(0);
    assert.deepEqual(log, [
      "workerSetup dep",
      "work dep@work",
      "work done",
      "workerResult dep true",
      "workerTeardown dep",
    ]);
    log.length = 0;
    const outcome = await probes.get("fail")!.run();
    assert.equal(outcome?.ok, false);
    assert.deepEqual(log, ["workerSetup dep", "workerResult dep false", "workerTeardown dep"]);
    await container.stop();
  });

  test("kill: workers are abandoned (their signal aborts) and every extension is killed", async () => {
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    @service("killable")
    class Killable {
      dep = dependency<AbortSignal>("signal", () => ({
        name: "signal",
        get: (ctx) => ctx.signal,
        kill: async () => void log.push("kill dep"),
      }));
      @probe(log)
      async hang() {
        signals.push(this.dep);
        await sleep(10_000, undefined, { signal: this.dep }).catch(() => undefined);
      }
    }
    const container = containerFor(Killable);
    await container.start();
    void probes.get("hang")!.run();
    await sleep(5);
    const reason = new Error("die");
    await container.kill(reason);
    assert.ok(log.includes("kill hang") && log.includes("kill dep"));
    assert.equal(signals.length, 1);
    assert.equal(signals[0]?.aborted, true);
    assert.equal(await container.closed, reason);
    assert.equal(container.killed, true);
  });

  test("a phase that runs out of time names the extension, and start fails with it", async () => {
    @service("slow_setup")
    class SlowSetup {
      dep = dependency<number>("slow", () => ({
        name: "slow dependency",
        setup: () => sleep(200),
        get: () => 1,
      }));
    }
    const container = containerFor(SlowSetup, { phaseTimeouts: { setup: 20 } });
    await assert.rejects(container.start(), (err: unknown) => {
      assert.ok(err instanceof ExtensionTimeoutError);
      assert.equal(err.message, "slow dependency did not finish setup within 20 ms");
      return true;
    });
    assert.equal(container.state, "killed");
  });

  test("a stop that runs out of time becomes a kill", async () => {
    const log: string[] = [];
    const container = containerFor(makeService(log, { stopDelayMs: 200 }), { phaseTimeouts: { stop: 20 } });
    await container.start();
    await container.stop();
    assert.ok((await container.closed) instanceof ExtensionTimeoutError);
    assert.ok(log.includes("kill dep"));
  });

  test("waiting workers do not start once the container is stopping", async () => {
    const log: string[] = [];
    const container = containerFor(makeService(log), { config: { max_workers: 1 } });
    await container.start();
    const first = probes.get("work")!.run(40);
    const second = probes.get("work")!.run(0);
    await sleep(5);
    await container.stop();
    assert.deepEqual(await first, { ok: true, result: 40 });
    assert.equal(await second, undefined, "not started: the caller gives its message back");
  });
});

describe("workers", () => {
  test("a fresh instance per worker, with dependencies injected", async () => {
    const seen = new Set<object>();
    @service("fresh")
    class Fresh {
      dep = dependency<string>("d", () => ({ name: "d", get: (ctx) => ctx.callId }));
      @probe([])
      who() {
        seen.add(this);
        return this.dep;
      }
    }
    const container = containerFor(Fresh);
    await container.start();
    const a = await probes.get("who")!.run();
    const b = await probes.get("who")!.run();
    assert.equal(seen.size, 2);
    assert.ok(a?.ok && b?.ok && a.result !== b.result);
    assert.match(String(a?.ok && a.result), /^fresh\.who\.[0-9a-f-]{36}$/);
    await container.stop();
  });

  test("max_workers bounds concurrency", async () => {
    let running = 0;
    let peak = 0;
    @service("bounded")
    class Bounded {
      @probe([])
      async job() {
        running++;
        peak = Math.max(peak, running);
        await sleep(10);
        running--;
      }
    }
    const container = containerFor(Bounded, { config: { max_workers: 3 } });
    await container.start();
    await Promise.all(Array.from({ length: 10 }, () => probes.get("job")!.run()));
    assert.equal(peak, 3);
    await container.stop();
  });

  test("declaring a service creates nothing live: using a dependency outside a worker says why", () => {
    @service("declared")
    class Declared {
      dep = dependency<{ go(): void }>("myDependency()", () => ({ name: "x", get: () => ({ go() {} }) }));
    }
    assert.throws(() => new Declared().dep.go(), DependencyNotInjected);
  });

  test("a class without @service is refused clearly", () => {
    class Plain {}
    assert.throws(
      () => containerFor(Plain),
      (e: unknown) => e instanceof ConfigurationError && /@service/.test(e.message),
    );
  });

  test("service names that would break routing are refused at declaration", () => {
    assert.throws(() => service("a.b"), ConfigurationError);
    assert.throws(() => service(""), ConfigurationError);
  });
});

describe("test hooks", () => {
  test("onWorkerDone: told after teardown, with the entrypoint, args, context and outcome", async () => {
    const log: string[] = [];
    const container = containerFor(makeService(log));
    const done: unknown[] = [];
    const off = container.onWorkerDone(({ entrypoint, args, context, outcome }) => {
      log.push("done");
      done.push([entrypoint.method, args, context.method, outcome.ok]);
    });
    await container.start();
    await probes.get("work")!.run(0);
    await probes.get("fail")!.run();
    assert.deepEqual(done, [
      ["work", [0], "work", true],
      ["fail", [], "fail", false],
    ]);
    assert.equal(log.indexOf("done"), log.indexOf("workerTeardown dep") + 1);
    off();
    await probes.get("work")!.run(0);
    assert.equal(done.length, 2, "removed listeners are not told");
    await container.stop();
  });

  test("a listener that throws is logged; the worker's outcome stands", async () => {
    const logger = captureLogger();
    const container = containerFor(makeService([]), { logger });
    container.onWorkerDone(() => {
      throw new Error("listener bug");
    });
    await container.start();
    assert.deepEqual(await probes.get("work")!.run(0), { ok: true, result: 0 });
    const line = logger.lines.find((l) => l.msg === "worker done listener failed");
    assert.equal(line?.level, "error");
    assert.equal((line?.fields.err as Error | undefined)?.message, "listener bug");
    await container.stop();
  });

  test("restricting entrypoints drops the shared extensions only the removed ones used", () => {
    const sharedBy = (key: string) => (method: Function, context: AnyMethodContext) =>
      addEntrypoint("probe", method, context, (container, sig) => {
        container.shared(key, () => ({ name: key }));
        return new Probe(sig.method, [], container);
      });
    @service("sharing")
    class Sharing {
      dep = dependency<number>("d", (container) => {
        container.shared("used by the dependency", () => ({ name: "used by the dependency" }));
        return { name: "d", get: () => 1 };
      });
      @sharedBy("consumer")
      a() {}
      @sharedBy("consumer")
      b() {}
      @sharedBy("server")
      c() {}
    }
    const names = (c: ServiceContainer) => c.sharedExtensions.map((e) => e.name).sort();
    const one = containerFor(Sharing);
    assert.deepEqual(names(one), ["consumer", "server", "used by the dependency"]);
    one.restrictEntrypoints((e) => e.method === "a");
    assert.deepEqual(names(one), ["consumer", "used by the dependency"]);
    // Asked for by no extension being built: kept whatever is removed.
    one.shared("pinned", () => ({ name: "pinned" }));
    one.restrictEntrypoints(() => false);
    assert.deepEqual(names(one), ["pinned", "used by the dependency"]);
    const other = containerFor(Sharing);
    other.restrictEntrypoints((e) => e.method === "c");
    assert.deepEqual(names(other), ["server", "used by the dependency"]);
    other.replaceDependency("dep", { name: "double", get: () => 2 });
    assert.deepEqual(names(other), ["server"]);
  });
});

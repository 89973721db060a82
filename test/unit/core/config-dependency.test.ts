/**
 * The `config` dependency: each worker sees the container's config, read-only.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ServiceContainer } from "../../../src/core/container.js";
import type { Transport } from "../../../src/extension.js";
import { config, DependencyNotInjected, rpc, service, silentLogger } from "../../../src/index.js";

@service("config_dependency_test")
class Configured {
  config = config<{ GREETING?: string; nested?: { list: number[] } }>();

  @rpc
  greet(name: string) {
    return `${this.config.GREETING ?? "Hello"}, ${name}! (${this.config.max_workers} workers)`;
  }

  @rpc
  change() {
    (this.config as Record<string, unknown>).GREETING = "changed";
  }

  @rpc
  changeNested() {
    this.config.nested?.list.push(4);
  }
}

// The container never starts: spawnWorker runs a worker with its dependencies injected.
function containerWith(settings: Record<string, unknown>): ServiceContainer {
  return new ServiceContainer(Configured, {
    config: settings,
    transport: {} as Transport,
    logger: silentLogger,
  });
}

async function call(container: ServiceContainer, method: string, ...args: unknown[]) {
  const entrypoint = container.entrypoints.find((e) => e.method === method)!;
  const run = await container.spawnWorker(entrypoint, args, {});
  return run.status === "not-started" ? undefined : run.outcome;
}

test("workers read the container's config", async () => {
  const container = containerWith({ GREETING: "Hi", max_workers: 3 });
  assert.deepEqual(await call(container, "greet", "you"), { ok: true, result: "Hi, you! (3 workers)" });
});

test("the config is frozen, nested values included, and the caller's object is not", async () => {
  const settings = { GREETING: "Hi", nested: { list: [1, 2, 3] } };
  const container = containerWith(settings);
  for (const method of ["change", "changeNested"]) {
    const outcome = await call(container, method);
    assert.equal(outcome?.ok, false);
    assert.ok(!outcome?.ok && outcome.error instanceof TypeError, `${method} changed the config`);
  }
  assert.deepEqual(await call(container, "greet", "you"), {
    ok: true,
    result: "Hi, you! (undefined workers)",
  });
  settings.GREETING = "still mine";
  assert.equal(settings.GREETING, "still mine");
});

test("outside a worker the field is only a declaration", () => {
  assert.throws(() => new Configured().config.GREETING, DependencyNotInjected);
});

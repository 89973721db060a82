/**
 * The test runner (scripts/run-tests.mjs): a failing test fails the run instead of hanging it,
 * the unit tier needs no RabbitMQ, and the cluster tier runs only when asked for.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function runTests(args: string[], env: Record<string, string>) {
  // Without NODE_TEST_CONTEXT, or node --test would think it runs inside this test and skip.
  const { NODE_TEST_CONTEXT: _, ...outer } = process.env;
  const child = spawn(process.execPath, ["scripts/run-tests.mjs", ...args], {
    cwd: ROOT,
    // No rabbitmqctl on the PATH: a run that needed the broker would fail to start.
    env: { ...outer, PATH: "/nonexistent", ENOKI_COVERAGE: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d));
  child.stderr.on("data", (d: Buffer) => (output += d));
  const done = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, done, output: () => output };
}

test("a test that fails with a server still open fails its file at once, not hanging it", async (t) => {
  const run = runTests(["test/unit/scripts/fixtures/leaves-open.ts"], { ENOKI_TEST_TIMEOUT_MS: "600000" });
  t.after(() => run.child.kill("SIGKILL"));
  const started = performance.now();
  const code = await run.done;
  const seconds = (performance.now() - started) / 1000;
  assert.equal(code, 1, run.output());
  assert.match(run.output(), /a deliberate failure/);
  assert.ok(seconds < 30, `the run took ${seconds} s`);
});

test("a test that never ends fails at its time limit", async (t) => {
  const run = runTests(["test/unit/scripts/fixtures/never-ends.ts"], { ENOKI_TEST_TIMEOUT_MS: "2000" });
  t.after(() => run.child.kill("SIGKILL"));
  assert.equal(await run.done, 1, run.output());
  assert.match(run.output(), /timed out after 2000ms/);
});

test("the whole run has a limit too", async (t) => {
  const run = runTests(["test/unit/scripts/fixtures/never-ends.ts"], {
    ENOKI_TEST_TIMEOUT_MS: "600000",
    ENOKI_RUN_TIMEOUT_MS: "3000",
  });
  t.after(() => run.child.kill("SIGKILL"));
  assert.equal(await run.done, 1);
  assert.match(run.output(), /took longer than 3000 ms/);
});

test("npm run test:unit runs the unit and type tiers, which need no RabbitMQ", async (t) => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", `file://${ROOT}`), "utf8")) as {
    scripts: Record<string, string>;
  };
  assert.equal(pkg.scripts["test:unit"], "node scripts/run-tests.mjs test/unit test/types");
  // No rabbitmqctl on the PATH (runTests): a unit file runs and passes.
  const run = runTests(["test/unit/architecture/layers.test.ts"], {});
  t.after(() => run.child.kill("SIGKILL"));
  assert.equal(await run.done, 0, run.output());
});

test("the cluster tier runs only when named: npm test leaves test/cluster out, npm run test:cluster runs it", async () => {
  const pkg = JSON.parse(readFileSync(new URL("package.json", `file://${ROOT}`), "utf8")) as {
    scripts: Record<string, string>;
  };
  assert.equal(pkg.scripts["test:cluster"], "scripts/test-cluster.sh");
  // Each file with its own cluster, and both clusters removed whatever happens.
  const wrapper = readFileSync(new URL("scripts/test-cluster.sh", `file://${ROOT}`), "utf8");
  assert.match(wrapper, /scripts\/cluster\.sh start .*\n.*run-tests\.mjs test\/cluster\/node-loss\.test\.ts/);
  assert.match(wrapper, /scripts\/partition-cluster\.sh start/);
  assert.match(wrapper, /test\/cluster\/partition\.test\.ts/);
  assert.match(wrapper, /trap stop_started EXIT/);
  const list = async (args: string[]) => {
    const run = runTests(args, { ENOKI_TEST_LIST: "1" });
    assert.equal(await run.done, 0, run.output());
    return run.output().trim().split("\n");
  };
  const all = await list([]);
  assert.ok(all.includes("test/unit/scripts/run-tests.test.ts"));
  assert.ok(!all.some((f) => f.startsWith("test/cluster/")), "npm test would run the cluster tier");
  assert.ok(!(await list(["test/c"])).some((f) => f.startsWith("test/cluster/")));
  assert.ok((await list(["test/cluster"])).includes("test/cluster/node-loss.test.ts"));
  // test-cluster.sh names the node-loss file alone: the partition file needs the other cluster.
  assert.deepEqual(await list(["test/cluster/node-loss.test.ts"]), ["test/cluster/node-loss.test.ts"]);
});

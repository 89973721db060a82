#!/usr/bin/env node
// Runs the test suite with Node's test runner over an explicit list of test files (Node 20 does
// not expand globs, and with no file it "passes" having run nothing). Integration tests get a
// fresh RabbitMQ vhost for the run, deleted afterwards.
//
// Files named *.serial.test.ts disturb the whole broker (they restart it): they run first, one at
// a time, before the other files run side by side.
//
// A failing test must fail, not hang: every test has a time limit (ENOKI_TEST_TIMEOUT_MS, default
// 3 minutes, for each file too), each file's process exits once its tests are done even if a failed test left a
// connection open (--test-force-exit), and the whole run has a limit too (ENOKI_RUN_TIMEOUT_MS,
// default 25 minutes), after which it is killed and fails.
//
//   npm test                      every tier
//   npm test -- test/unit         only files under these paths (a file path runs that file)
//   npm run test:cluster          test/cluster, on three-node clusters (never part of npm test;
//                                 scripts/test-cluster.sh)
//
// Only the unit and type tiers run without RabbitMQ: the run's vhost is made only when a
// selected file is in another tier.
//
// Coverage: every process the tests start (test files, enoki run, clients) writes V8 coverage;
// c8 reports line and branch coverage of src/ at the end (.c8rc.json), and a run of the whole
// suite fails below the floor in COVERAGE_FLOOR. ENOKI_COVERAGE=0 turns it off.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)));
// A file named outright runs whatever its name (the runner's own tests use that).
const named = filters.filter((p) => existsSync(join(root, p)) && statSync(join(root, p)).isFile());
const files = readdirSync(join(root, "test"), { recursive: true })
  .map((f) => join("test", String(f)))
  .filter((f) => f.endsWith(".test.ts"))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  // The cluster tier needs scripts/cluster.sh's three nodes: it runs only when asked for.
  .filter((f) => !f.startsWith("test/cluster/") || filters.some((p) => p.startsWith("test/cluster")))
  .concat(named)
  .filter((f, i, all) => all.indexOf(f) === i)
  .sort();

if (files.length === 0) {
  console.error(`No test files found${filters.length ? ` under ${filters.join(", ")}` : ""}.`);
  process.exit(1);
}
// ENOKI_TEST_LIST=1: print the files the run would run, and run nothing.
if (process.env.ENOKI_TEST_LIST === "1") {
  console.log(files.join("\n"));
  process.exit(0);
}

// Line and branch coverage of src/ by the whole suite were 98.3% and 93.6% when the floor was set
// (December 2026); it sits a little under them, so a change that leaves code untested fails.
const COVERAGE_FLOOR = { lines: 96, branches: 91 };
const coverage = process.env.ENOKI_COVERAGE !== "0";
// One directory per run: a run started by a test of this runner must not touch this one's.
const coverageDir = join(root, "coverage", `tmp-${process.pid}`);
if (coverage) {
  rmSync(coverageDir, { recursive: true, force: true });
  mkdirSync(coverageDir, { recursive: true });
}

// Node applies it to each file as a whole too (a file is a test of the run): long enough for the
// longest file on a loaded 2-core machine, short enough that a hang ends the run in minutes.
const TEST_TIMEOUT_MS = Number(process.env.ENOKI_TEST_TIMEOUT_MS ?? 180_000);
const RUN_TIMEOUT_MS = Number(process.env.ENOKI_RUN_TIMEOUT_MS ?? 25 * 60_000);
const started = Date.now();

const vhost = `enoki-test-${Date.now()}-${process.pid}`;
const rabbitmqctl = (...args) =>
  execFileSync("rabbitmqctl", ["-q", ...args], { stdio: ["ignore", "pipe", "inherit"] });

function removeStaleVhosts() {
  const hourAgo = Date.now() - 3600_000;
  for (const name of rabbitmqctl("list_vhosts", "name").toString().split("\n")) {
    // enoki-test-<ms>-<pid> (a run) and enoki-<what>-<ms>-<hex> (a file's own vhost)
    const match = /^enoki-[a-z0-9-]*?-(\d{13})-[0-9a-f]+$/.exec(name.trim());
    if (match && Number(match[1]) < hourAgo) rabbitmqctl("delete_vhost", name.trim());
  }
}

const BROKERLESS_TIERS = ["test/unit/", "test/types/"];
const needsBroker = files.some((f) => !BROKERLESS_TIERS.some((tier) => f.startsWith(tier)));
if (needsBroker) {
  removeStaleVhosts();
  rabbitmqctl("add_vhost", vhost);
  rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
}

function runTests(list, concurrency) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--test",
      "--test-reporter=spec",
      `--test-concurrency=${concurrency}`,
      `--test-timeout=${TEST_TIMEOUT_MS}`,
      "--test-force-exit",
      ...list,
    ],
    {
      cwd: root,
      stdio: "inherit",
      env: {
        ...process.env,
        ...(needsBroker && {
          ENOKI_TEST_AMQP_URI: `amqp://guest:guest@localhost/${encodeURIComponent(vhost)}`,
          ENOKI_TEST_VHOST: vhost,
        }),
        ENOKI_LOG_LEVEL: process.env.ENOKI_LOG_LEVEL ?? "silent",
        ...(coverage && { NODE_V8_COVERAGE: coverageDir }),
      },
    },
  );
  const watchdog = setTimeout(
    () => {
      console.error(`\nThe test run took longer than ${RUN_TIMEOUT_MS} ms: stopping it.`);
      child.kill("SIGTERM"); // the runner stops its file processes
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    },
    RUN_TIMEOUT_MS - (Date.now() - started),
  );
  return new Promise((resolve) =>
    child.on("exit", (c, signal) => {
      clearTimeout(watchdog);
      resolve(c ?? (signal ? 1 : 0));
    }),
  );
}

const serial = files.filter((f) => f.endsWith(".serial.test.ts"));
const parallel = files.filter((f) => !serial.includes(f));
let code = 0;
if (serial.length > 0) {
  console.log(`Broker-wide tests, one at a time: ${serial.join(", ")}`);
  code = await runTests(serial, "1");
}
if (parallel.length > 0) {
  if (serial.length > 0) console.log("\nAll other tests:");
  code = (await runTests(parallel, process.env.ENOKI_TEST_CONCURRENCY ?? "2")) || code;
}
try {
  if (needsBroker) rabbitmqctl("delete_vhost", vhost);
} catch {
  console.error(`Could not delete the test vhost ${vhost}`);
}
if (coverage) code = reportCoverage(filters.length === 0) || code;
process.exit(code);

/** Prints the coverage summary; with `checkFloor`, fails (1) below {@link COVERAGE_FLOOR}. */
function reportCoverage(checkFloor) {
  const c8 = createRequire(import.meta.url).resolve("c8/bin/c8.js");
  const run = (...args) => spawnSync(process.execPath, [c8, ...args], { cwd: root, stdio: "inherit" }).status;
  console.log("\nCoverage of src/ (every process the tests started):");
  const from = ["--temp-directory", coverageDir];
  run("report", ...from);
  const floor = ["--lines", String(COVERAGE_FLOOR.lines), "--branches", String(COVERAGE_FLOOR.branches)];
  const status = checkFloor ? run("check-coverage", ...from, ...floor) : 0;
  rmSync(coverageDir, { recursive: true, force: true });
  if (status !== 0) console.error(`Coverage is below the floor (${JSON.stringify(COVERAGE_FLOOR)}).`);
  return status === 0 ? 0 : 1;
}

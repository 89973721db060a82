#!/usr/bin/env node
// Runs the test suite with Node's test runner over an explicit list of test files (Node 20 does
// not expand globs, and with no file it "passes" having run nothing). Integration tests get a
// fresh RabbitMQ vhost for the run, deleted afterwards.
//
// Files named *.serial.test.ts disturb the whole broker (they restart it): they run first, one at
// a time, before the other files run side by side.
//
// A failing test must fail, not hang: every test has a time limit (ENOKI_TEST_TIMEOUT_MS, default
// 60 s), each file's process exits once its tests are done even if a failed test left a
// connection open (--test-force-exit), and the whole run has a limit too (ENOKI_RUN_TIMEOUT_MS,
// default 25 minutes), after which it is killed and fails.
//
//   npm test                      every tier
//   npm test -- test/unit         only files under these paths (a file path runs that file)
//
// Only the unit and type tiers run without RabbitMQ: the run's vhost is made only when a
// selected file is in another tier.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)));
// A file named outright runs whatever its name (the runner's own tests use that).
const named = filters.filter((p) => existsSync(join(root, p)) && statSync(join(root, p)).isFile());
const files = readdirSync(join(root, "test"), { recursive: true })
  .map((f) => join("test", String(f)))
  .filter((f) => f.endsWith(".test.ts"))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .concat(named)
  .filter((f, i, all) => all.indexOf(f) === i)
  .sort();

if (files.length === 0) {
  console.error(`No test files found${filters.length ? ` under ${filters.join(", ")}` : ""}.`);
  process.exit(1);
}

const TEST_TIMEOUT_MS = Number(process.env.ENOKI_TEST_TIMEOUT_MS ?? 60_000);
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
process.exit(code);

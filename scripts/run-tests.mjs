#!/usr/bin/env node
// Runs the test suite with Node's test runner over an explicit list of test files (Node 20 does
// not expand globs, and with no file it "passes" having run nothing). Integration tests get a
// fresh RabbitMQ vhost for the run, deleted afterwards.
//
//   npm test                      every tier
//   npm test -- test/unit         only files under these paths
import { execFileSync, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2).map((p) => relative(root, join(process.cwd(), p)));
const files = readdirSync(join(root, "test"), { recursive: true })
  .map((f) => join("test", String(f)))
  .filter((f) => f.endsWith(".test.ts"))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .sort();

if (files.length === 0) {
  console.error(`No test files found${filters.length ? ` under ${filters.join(", ")}` : ""}.`);
  process.exit(1);
}

const vhost = `enoki-test-${Date.now()}-${process.pid}`;
const rabbitmqctl = (...args) =>
  execFileSync("rabbitmqctl", ["-q", ...args], { stdio: ["ignore", "pipe", "inherit"] });

function removeStaleVhosts() {
  const hourAgo = Date.now() - 3600_000;
  for (const name of rabbitmqctl("list_vhosts", "name").toString().split("\n")) {
    const match = /^enoki-test-(\d+)-\d+$/.exec(name.trim());
    if (match && Number(match[1]) < hourAgo) rabbitmqctl("delete_vhost", name.trim());
  }
}

removeStaleVhosts();
rabbitmqctl("add_vhost", vhost);
rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");

const concurrency = process.env.ENOKI_TEST_CONCURRENCY ?? "2";
const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", `--test-concurrency=${concurrency}`, ...files],
  {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      ENOKI_TEST_AMQP_URI: `amqp://guest:guest@localhost/${encodeURIComponent(vhost)}`,
      ENOKI_TEST_VHOST: vhost,
      ENOKI_LOG_LEVEL: process.env.ENOKI_LOG_LEVEL ?? "silent",
    },
  },
);
const code = await new Promise((resolve) => child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0))));
try {
  rabbitmqctl("delete_vhost", vhost);
} catch {
  console.error(`Could not delete the test vhost ${vhost}`);
}
process.exit(code);

/**
 * `npm run bench` keeps working: run as the README shows it, shrunk (one round, 2% of the calls),
 * it prints the table, the ratios and the verdict on each target.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "../support/cli.js";

test("npm run bench prints every system at every level, the ratios and the targets", {
  timeout: 180_000,
}, async () => {
  const { stdout } = await promisify(execFile)("npm", ["run", "bench"], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_ROUNDS: "1", BENCH_SCALE: "0.02" },
    maxBuffer: 10 * 1024 * 1024,
    timeout: 170_000, // killed before the test's own limit, not left running
  });
  for (const level of [1, 10, 100]) {
    for (const system of [
      "raw",
      "raw, Nameko wire",
      "enoki",
      "enoki, RPC_PERSISTENT: false",
      "enoki, SDK on (server)",
    ]) {
      assert.match(
        stdout,
        new RegExp(`^\\| ${level} \\| ${system.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\| \\d+ \\|`, "m"),
      );
    }
  }
  assert.match(stdout, /^target: throughput at 100 in flight >= 0\.80x raw: \d+\.\d\dx (MET|NOT MET)$/m);
  assert.match(stdout, /^target: p50 at 1 in flight <= 1\.30x raw: \d+\.\d\dx (MET|NOT MET)$/m);
  assert.match(
    stdout,
    /^tracing, SDK on the server vs none: 1 in flight: throughput \d+\.\d\dx, server CPU per call \d+\.\d\dx;/m,
  );
});

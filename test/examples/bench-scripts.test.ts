/**
 * The bench's sibling scripts keep working: shrunk (one round, 2% of the calls), `npm run
 * bench:scaling` prints a row per service and instance count, and `npm run bench:broker` a row per
 * feature of the wire.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "../support/cli.js";

const run = async (script: string) =>
  (
    await promisify(execFile)("npm", ["run", script], {
      cwd: repoRoot,
      env: { ...process.env, BENCH_ROUNDS: "1", BENCH_FOOTPRINT_ROUNDS: "1", BENCH_SCALE: "0.02" },
      maxBuffer: 10 * 1024 * 1024,
      timeout: 170_000, // killed before the test's own limit, not left running
    })
  ).stdout;

test("npm run bench:scaling prints throughput at 1, 2 and 4 instances of a light and a heavy service", {
  timeout: 180_000,
}, async () => {
  const stdout = await run("bench:scaling");
  for (const service of ["light \\(echo\\)", "heavy \\(2 ms CPU per call\\)"]) {
    for (const instances of [1, 2, 4]) {
      assert.match(
        stdout,
        new RegExp(
          `^\\| ${service} \\| ${instances} \\| \\d+ \\| \\d+\\.\\d\\d \\| \\d+\\.\\d\\d \\| \\d+\\.\\d\\d \\|$`,
          "m",
        ),
        stdout,
      );
    }
  }
});

test("npm run bench:broker prints the broker's cost as each feature of Nameko's wire is added", {
  timeout: 180_000,
}, async () => {
  const stdout = await run("bench:broker");
  const rows = [...stdout.matchAll(/^\| ([^|]+) \| \d+ \| \d+\.\d\d \| \d+ \|$/gm)].map((m) => m[1]);
  assert.equal(rows.length, 9, stdout);
  assert.equal(rows[0], "plain request/reply");
  // The row that marks what a Nameko peer requires, before the guarantees Enoki adds.
  assert.equal(
    rows[4],
    "+ replies via exchange to a durable queue (all a Nameko peer requires; Enoki, RPC_PERSISTENT: false)",
  );
  assert.equal(rows[8], "+ persistent messages (every guarantee)");
});

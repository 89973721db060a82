/**
 * `npm run bench:scaling` keeps working: shrunk (one round, 2% of the calls), it prints a row per
 * service and instance count.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { repoRoot } from "../support/cli.js";

test("npm run bench:scaling prints throughput at 1, 2 and 4 instances of a light and a heavy service", {
  timeout: 180_000,
}, async () => {
  const { stdout } = await promisify(execFile)("npm", ["run", "bench:scaling"], {
    cwd: repoRoot,
    env: { ...process.env, BENCH_ROUNDS: "1", BENCH_SCALE: "0.02" },
    maxBuffer: 10 * 1024 * 1024,
    timeout: 170_000, // killed before the test's own limit, not left running
  });
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

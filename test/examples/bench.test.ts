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
    env: { ...process.env, BENCH_ROUNDS: "1", BENCH_FOOTPRINT_ROUNDS: "1", BENCH_SCALE: "0.02" },
    maxBuffer: 10 * 1024 * 1024,
    timeout: 170_000, // killed before the test's own limit, not left running
  });
  for (const level of [1, 10, 100]) {
    for (const system of [
      "raw",
      "raw, Nameko wire",
      "raw, Nameko wire, quorum queue",
      "enoki",
      "enoki, RPC_PERSISTENT: false",
      "enoki, SDK on (server)",
      "enoki, max_workers 10 (default)",
    ]) {
      assert.match(
        stdout,
        new RegExp(`^\\| ${level} \\| ${system.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\| \\d+ \\|`, "m"),
      );
    }
  }
  const targets = [
    ...stdout.matchAll(/^target (\w+): \d+(?:\.\d+)?\w* \(goal (?:>=|<=) [\d.]+\w*\) (?:PASS|FAIL)$/gm),
  ];
  assert.deepEqual(
    targets.map((m) => m[1]),
    [
      "guaranteed_vs_raw_nameko_wire_100",
      "guaranteed_cpu_per_call_vs_raw_100",
      "transient_vs_raw_100",
      "transient_p50_vs_raw_1",
      "idle_rss_hello",
      "startup_to_first_reply_js",
      "startup_to_first_reply_ts",
      "payload_64k_vs_raw_10",
      "payload_64k_transient_vs_raw_10",
      "payload_1m_vs_raw_10",
      "payload_1m_transient_vs_raw_10",
      "many_in_flight_completed_200",
    ],
    stdout,
  );
  assert.match(
    stdout,
    /^target many_in_flight_completed_200: 200 \(goal >= 200\) PASS$/m,
    "every call came back",
  );
  for (const size of ["64k", "1m"]) {
    for (const system of ["raw", "raw, Nameko wire", "enoki", "enoki, RPC_PERSISTENT: false"]) {
      const row = `| ${size} | ${system} | `.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      assert.match(stdout, new RegExp(`^${row}\\d+ \\| \\d+\\.\\d\\d \\| \\d+\\.\\d\\d \\|$`, "m"), size);
    }
  }
  assert.match(
    stdout,
    /^tracing, SDK on the server vs none: 1 in flight: throughput \d+\.\d\dx, server CPU per call \d+\.\d\dx;/m,
  );
  assert.match(stdout, /^max_workers 100 vs the default 10: 1 in flight: throughput \d+\.\d\dx;/m);
  assert.match(
    stdout,
    /^quorum vs classic request queue \(raw Nameko wire\): 1 in flight: throughput \d+\.\d\dx, broker CPU per call \d+\.\d\dx;/m,
  );
  const range = "\\d+\\.\\d\\d-\\d+\\.\\d\\dx";
  const ratios = [
    "guaranteed_vs_raw_nameko_wire_100",
    "guaranteed_cpu_per_call_vs_raw_100",
    "transient_vs_raw_100",
    "transient_p50_vs_raw_1",
  ];
  assert.match(
    stdout,
    new RegExp(
      `^\\(round by round, lowest-highest: ${ratios.map((r) => `${r} ${range}`).join("; ")}\\)$`,
      "m",
    ),
    "each ratio target's lowest and highest round",
  );
  assert.match(
    stdout,
    /^\(startup measured first, on a quiet broker; the compiled start after the load phases: \d+ ms\)$/m,
  );
  const allocated =
    /^\(allocated per echo call, client and server in one process on the in-memory broker: (\d+\.\d) KB\)$/m.exec(
      stdout,
    );
  assert.ok(allocated, "the allocation line");
  // Not a limit (that is the bench's to report): a figure far outside this range is a broken count.
  assert.ok(Number(allocated[1]) > 1 && Number(allocated[1]) < 200, `allocated ${allocated[1]} KB per call`);
});

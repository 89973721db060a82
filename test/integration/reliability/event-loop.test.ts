/**
 * Event-loop starvation (nameko#477): CPU-heavy work on the event loop silences the heartbeats, the
 * broker drops the connection and redelivers the call still running, so it runs twice. Enoki warns
 * about the blocked loop, and the remedies hold: a larger HEARTBEAT, or the work on a worker
 * thread (examples/cpu-bound).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { connect } from "../../../src/index.js";
import { createVhost, uniqueName } from "../../support/broker.js";
import { killAllCli, scratchDir, startCli } from "../../support/cli.js";
import { captureLogs } from "../../support/log-capture.js";

const { uri } = createVhost("enoki-event-loop");
const scratch = scratchDir("event-loop");
after(async () => {
  await killAllCli();
  scratch.remove();
});

async function scenario(heartbeat: number, method: "crunchInline" | "crunch", ms: number) {
  const name = uniqueName("cpu");
  const config = scratch.write(`${name}.yml`, `AMQP_URI: ${uri}\nHEARTBEAT: ${heartbeat}\n`);
  const server = startCli(["run", "examples/cpu-bound/cpu-bound.ts", "--config", config], {
    env: { CPU_SERVICE: name },
  });
  await server.waitForLog(/connected to/, 30_000);
  const logs = captureLogs();
  const cluster = await connect({ uri, logger: logs.logger, timeoutMs: 3 * ms });
  let answered = false;
  try {
    const turns = await cluster.rpc[name]![method]!(ms);
    answered = typeof turns === "number" && turns > 0;
    // A second run of the same call would answer within another `ms`: give it the time.
    await new Promise((resolve) => setTimeout(resolve, ms + 1500));
  } finally {
    await cluster.close();
    server.child.kill("SIGTERM");
    await server.exited;
  }
  return {
    answered,
    connectionLost: /connection to the broker lost/.test(server.stderr()),
    // Each run of the computation blocks the loop once, and is reported once.
    runs: server.stderr().match(/the event loop was blocked for \d+ ms/g)?.length ?? 0,
    duplicateReplies: logs.lines.filter((l) => String(l.msg).startsWith("reply for no waiting call")).length,
  };
}

test("the problem: 3 s of CPU on the event loop with HEARTBEAT 1 drops the connection; the redelivered request is not run again", async () => {
  const seen = await scenario(1, "crunchInline", 3000);
  assert.equal(seen.connectionLost, true);
  // The first run's reply goes out as soon as the connection is back; the broker's copy of the
  // request is then known as answered (rpc/request-ledger.ts) and acknowledged, not run again.
  assert.equal(seen.runs, 1, `ran ${seen.runs} times`);
  assert.equal(seen.answered, true);
});

test("remedy: with HEARTBEAT above the work, the call runs once (and the blocked loop is still reported)", async () => {
  const seen = await scenario(30, "crunchInline", 3000);
  assert.deepEqual(seen, { answered: true, connectionLost: false, runs: 1, duplicateReplies: 0 });
});

test("remedy: the same work on a worker thread runs once, even with HEARTBEAT 1", async () => {
  const seen = await scenario(1, "crunch", 3000);
  assert.deepEqual(seen, { answered: true, connectionLost: false, runs: 0, duplicateReplies: 0 });
});

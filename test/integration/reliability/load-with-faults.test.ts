/**
 * Load with faults: a steady stream of calls against two `enoki run` instances while one is
 * killed with SIGKILL and restarted, every connection is cut, and then the other is killed and
 * restarted. Every call ends (answered, or a clear error) and no caller gets a reply that is not
 * its own, or two.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, silentLogger } from "../../../src/index.js";
import { createVhost, rabbitmqctlAsync, uniqueName } from "../../support/broker.js";
import { type CliProcess, killAllCli, startCli } from "../../support/cli.js";

const { uri, vhost } = createVhost("enoki-faults");
const name = uniqueName("fault_echo");
after(killAllCli);

async function instance(): Promise<CliProcess> {
  const cli = startCli(["run", "test/support/services/fault-echo.ts", "--broker", uri], {
    env: { FAULT_SERVICE: name },
  });
  await cli.waitForLog(/connected to/, 30_000);
  await sleep(300); // consuming starts right after the connection
  return cli;
}

test("a stream of calls survives kills, restarts and a connection cut", { timeout: 120_000 }, async () => {
  let a = await instance();
  let b = await instance();
  await using cluster = await connect({ uri, logger: silentLogger, timeoutMs: 30_000 });
  const outcomes = new Map<number, string>();
  const settledTwice: number[] = [];
  let nextId = 0;
  let running = true;
  const record = (id: number, outcome: string) => {
    if (outcomes.has(id)) settledTwice.push(id);
    outcomes.set(id, outcome);
  };
  const loops = Array.from({ length: 20 }, async () => {
    while (running) {
      const id = nextId++;
      try {
        const result = await cluster.rpc[name]!.echo!(id, 20);
        record(id, result === id ? "ok" : `wrong reply ${String(result)}`);
      } catch (err) {
        record(id, (err as Error).name);
      }
    }
  });

  const steps: string[] = [];
  const phase = async (label: string, action: () => Promise<unknown>, thenWaitMs: number) => {
    const before = outcomes.size;
    await action();
    await sleep(thenWaitMs);
    steps.push(`${label}: ${outcomes.size - before} calls ended`);
  };
  try {
    await phase("steady", async () => undefined, 1500);
    await phase("SIGKILL instance A", async () => a.child.kill("SIGKILL"), 1500);
    await phase("restart A", async () => (a = await instance()), 1500);
    await phase(
      "cut every connection",
      () => rabbitmqctlAsync("close_all_connections", "-p", vhost, "fault test"),
      2000,
    );
    await phase("SIGKILL instance B", async () => b.child.kill("SIGKILL"), 1500);
    await phase("restart B", async () => (b = await instance()), 1500);
  } finally {
    running = false; // the callers stop even when a phase failed
    await Promise.all(loops);
  }
  await cluster.close();

  const counts = new Map<string, number>();
  for (const outcome of outcomes.values()) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  console.log(`# ${nextId} calls: ${JSON.stringify(Object.fromEntries(counts))}`);
  for (const step of steps) console.log(`# ${step}`);

  assert.equal(outcomes.size, nextId, "every call ended");
  assert.deepEqual(settledTwice, [], "no call settled twice");
  assert.equal(
    [...outcomes.values()].filter((o) => o.startsWith("wrong reply")).length,
    0,
    "no foreign replies",
  );
  const errors = [...counts].filter(([o]) => o !== "ok");
  for (const [kind] of errors)
    assert.ok(["ConnectionLost", "RpcTimeout"].includes(kind), `unexpected ${kind}`);
  assert.ok((counts.get("ok") ?? 0) > nextId * 0.95, "nearly every call answered");
  assert.equal(counts.get("RpcTimeout") ?? 0, 0, "no call waited out its timeout");
});

/**
 * Broker restart (rabbitmqctl stop_app, then start_app): services reconnect with backoff, declare
 * their topology again and resume. Calls in flight get their replies (durable queues and
 * persistent messages survive the restart); a call made while the broker is down waits for it.
 * Restarts the whole broker: run alone (scripts/run-tests.mjs runs *.serial.test.ts first).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { rpc, service } from "../../../src/index.js";
import { createVhost, rabbitmqctlAsync, uniqueName } from "../../support/broker.js";
import { testResources } from "../../support/resources.js";

const { uri } = createVhost("enoki-restart");
const resources = testResources();
// Registered first, so it runs last; but first of all, never leave the broker down.
resources.defer(() => rabbitmqctlAsync("start_app"));
after(() => rabbitmqctlAsync("start_app").catch(() => undefined));

test("calls in flight across a broker restart are answered; the service resumes", {
  timeout: 120_000,
}, async () => {
  const name = uniqueName("restart");
  const runs: number[] = [];
  @service(name)
  class Survivor {
    @rpc
    async job(id: number, ms: number) {
      runs.push(id);
      await sleep(ms);
      return id;
    }
  }
  const runner = await resources.runner([Survivor], { AMQP_URI: uri });
  const cluster = await resources.client({ uri, timeoutMs: 90_000 });

  const inFlight = Array.from({ length: 5 }, (_, i) => cluster.rpc[name]!.job!(i, 1500));
  while (runs.length < 5) await sleep(10);
  const stopped = performance.now();
  await rabbitmqctlAsync("stop_app");
  const whileDown = cluster.rpc[name]!.job!(99, 0);
  await sleep(1000);
  await rabbitmqctlAsync("start_app");
  const started = performance.now();
  while (runner.transport?.status !== "connected") await sleep(20);
  const reconnectedAfterStart = performance.now() - started;

  const results = await Promise.all([...inFlight, whileDown]);
  assert.deepEqual(results, [0, 1, 2, 3, 4, 99]);
  assert.equal(await cluster.rpc[name]!.job!(100, 0), 100);
  console.log(
    `# broker down ${((started - stopped) / 1000).toFixed(1)} s; service reconnected ${reconnectedAfterStart.toFixed(0)} ms after start_app; ${runs.length} runs for 7 calls`,
  );
  assert.ok(reconnectedAfterStart < 15_000);
});

/**
 * 1,000 events, of which 10% are poison (always fail) and 10% flaky (fail once): every good
 * event is handled once, every flaky one after one retry, every poison one ends in the
 * dead-letter queue after its last attempt, none is lost. Prints the figures docs/reliability.md
 * quotes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { eventHandler, service } from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { testResources } from "../../support/resources.js";

const resources = testResources();
const uri = brokerUri();
const EVENTS = 1000;

test("1,000 events with 10% poison and 10% flaky: good ones once, poison ones dead-lettered, none lost", async () => {
  const source = uniqueName("src");
  const name = uniqueName("poison_sink");
  const runs = new Map<number, number>();
  const handled = new Map<number, number>();
  const kind = (id: number) => (id % 10 === 0 ? "poison" : id % 10 === 1 ? "flaky" : "good");
  @service(name)
  class Sink {
    @eventHandler(source, "item", { retry: { attempts: 3, schedule: [200, 400] } })
    handle(payload: { id: number }) {
      const run = (runs.get(payload.id) ?? 0) + 1;
      runs.set(payload.id, run);
      if (kind(payload.id) === "poison") throw new Error(`poison ${payload.id}`);
      if (kind(payload.id) === "flaky" && run === 1) throw new Error(`flaky ${payload.id}`);
      handled.set(payload.id, (handled.get(payload.id) ?? 0) + 1);
    }
  }
  await resources.runner([Sink], { AMQP_URI: uri, max_workers: 20 });
  const cluster = await resources.client({ uri });
  const queue = `evt-${source}-item--${name}.handle`;
  const started = Date.now();
  for (let id = 0; id < EVENTS; id += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => cluster.dispatchEvent(source, "item", { id: id + i })),
    );
  }
  const dispatchedMs = Date.now() - started;
  const deadLetters = async () =>
    (await cluster.transport.inspectQueue(`${queue}.dead-letter`))?.messages ?? 0;
  const deadline = Date.now() + 60_000;
  while ((handled.size < EVENTS * 0.9 || (await deadLetters()) < EVENTS / 10) && Date.now() < deadline) {
    await sleep(50);
  }
  const doneMs = Date.now() - started;
  await sleep(1000); // anything running twice would show now
  const good = [...handled.entries()];
  assert.equal(good.length, 900, "every good and flaky event handled");
  assert.ok(
    good.every(([, n]) => n === 1),
    "each handled once",
  );
  assert.equal(await deadLetters(), 100, "every poison event dead-lettered");
  const poisonRuns = [...runs.entries()].filter(([id]) => kind(id) === "poison").map(([, n]) => n);
  assert.ok(
    poisonRuns.every((n) => n === 3),
    "three runs each",
  );
  assert.equal((await cluster.transport.inspectQueue(queue))?.messages, 0, "nothing left behind");
  const totalRuns = [...runs.values()].reduce((a, b) => a + b, 0);
  console.log(
    `# ${EVENTS} events dispatched in ${dispatchedMs} ms; all settled after ${doneMs} ms: ` +
      `${good.length} handled once, ${await deadLetters()} dead-lettered after 3 runs, ${totalRuns} runs in all`,
  );
});

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { connect, eventHandler, runServices, service, silentLogger } from "../../../src/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { listBroker, queueState } from "../../support/queues.js";
import { delay, waitFor } from "../../support/wait.js";

const cleanup: Array<() => Promise<void>> = [];
after(async () => {
  for (const step of cleanup) await step();
});

test("stop lets the running handler finish and ack, and gives back events waiting for a worker", async () => {
  const source = uniqueName("src");
  const name = uniqueName("slow");
  const started: number[] = [];
  const finished: number[] = [];
  @service(name)
  class Slow {
    @eventHandler(source, "happened")
    async handle(payload: { id: number }) {
      started.push(payload.id);
      await delay(700);
      finished.push(payload.id);
    }
  }
  // One worker, but up to 5 events delivered: two of them wait for the worker when stop begins.
  const config = { AMQP_URI: brokerUri(), max_workers: 1, PREFETCH_COUNT: 5 };
  const runner = await runServices([Slow], { config, logger: silentLogger });
  cleanup.push(() => runner.stop());
  const cluster = await connect({ uri: brokerUri(), logger: silentLogger });
  cleanup.push(() => cluster.close());
  for (let id = 1; id <= 3; id++) await cluster.dispatchEvent(source, "happened", { id });
  await waitFor(() => started.length === 1, "the first handler");
  const queue = `evt-${source}-happened--${name}.handle`;
  const unacked = () =>
    listBroker("queues", vhostOf(brokerUri()), ["name", "messages_unacknowledged"]).find(
      (q) => q.name === queue,
    )?.messages_unacknowledged;
  await waitFor(() => unacked() === 3, "3 events delivered");

  await runner.stop();
  assert.deepEqual(started, [1]);
  assert.deepEqual(finished, [1], "the running handler finished before stop returned");
  assert.deepEqual(queueState(vhostOf(brokerUri()), queue), { messages: 2, consumers: 0 });
});

/**
 * On RabbitMQ: a request is acknowledged only once its reply is confirmed. While the reply's
 * publish is held the broker counts the request unacknowledged; when the publish fails, the
 * broker delivers the request again, it runs again, and the caller gets one answer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { rpc, ServiceRunner, service, silentLogger } from "../../../src/index.js";
import { createTransport } from "../../../src/runtime/create-transport.js";
import type { OutgoingMessage } from "../../../src/transport/transport.js";
import { brokerUri, rabbitmqctlAsync, uniqueName, vhostOf } from "../../support/broker.js";
import { holdingTransport } from "../../support/holding-transport.js";
import { testResources } from "../../support/resources.js";
import { waitFor } from "../../support/wait.js";

const resources = testResources();
const isReply = (message: OutgoingMessage) => message.properties.replyTo === undefined;

/** Ready and unacknowledged messages of a queue, as the broker counts them. */
async function counts(queue: string): Promise<{ ready: number; unacked: number }> {
  const out = await rabbitmqctlAsync(
    "list_queues",
    "-p",
    vhostOf(brokerUri()),
    "name",
    "messages_ready",
    "messages_unacknowledged",
    "--formatter",
    "json",
  );
  const row = (JSON.parse(out) as Array<Record<string, unknown>>).find((r) => r.name === queue);
  assert.ok(row, `queue ${queue} exists`);
  return { ready: Number(row.messages_ready), unacked: Number(row.messages_unacknowledged) };
}

test("the broker holds the request unacknowledged while its reply is held, and redelivers it when the reply fails", async (t) => {
  const name = uniqueName("acker");
  const runs: boolean[] = [];
  @service(name)
  class Doubler {
    @rpc
    double(x: number) {
      runs.push(true);
      return x * 2;
    }
  }
  const transport = holdingTransport(createTransport(brokerUri(), { logger: silentLogger }), isReply);
  const runner = new ServiceRunner({ transport, logger: silentLogger }).add(Doubler);
  t.after(async () => {
    await runner.kill(); // not stop(): a reply still held would keep its worker from finishing
    await transport.close();
  });
  await runner.start();
  const cluster = await resources.client({ uri: brokerUri() });

  let answers = 0;
  const answer = cluster.rpc[name]!.double!(21).finally(() => answers++);
  answer.catch(() => undefined); // awaited below; a failed assertion before must not leave it unhandled

  const first = await transport.nextHeld();
  assert.equal(runs.length, 1);
  assert.deepEqual(await counts(`rpc-${name}`), { ready: 0, unacked: 1 }, "unacknowledged while held");
  assert.equal(answers, 0);

  first.fail(new Error("the broker did not confirm the reply"));
  const second = await transport.nextHeld();
  assert.equal(runs.length, 2, "delivered again, and run again");
  await second.release();
  assert.equal(await answer, 42);
  assert.equal(transport.published.filter(isReply).length, 1, "one reply was published");
  await waitFor(() => answers === 1, "the answer");
  assert.deepEqual(await counts(`rpc-${name}`), { ready: 0, unacked: 0 }, "acknowledged after the reply");
  assert.equal(runs.length, 2);
});

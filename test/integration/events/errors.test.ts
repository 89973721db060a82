import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { MessageProperties } from "../../../src/extension.js";
import {
  type Cluster,
  ConfigurationError,
  connect,
  eventHandler,
  type Logger,
  runServices,
  type ServiceClass,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../../src/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { captureLogger } from "../../support/logs.js";
import { listBroker, queueState } from "../../support/queues.js";
import { closeIfOpened } from "../../support/resources.js";
import { delay, waitFor } from "../../support/wait.js";

const vhost = vhostOf(brokerUri());
const runners: ServiceRunner[] = [];
let cluster: Cluster;

async function run(cls: ServiceClass, logger: Logger = silentLogger): Promise<ServiceRunner> {
  const runner = await runServices([cls], { config: { AMQP_URI: brokerUri() }, logger });
  runners.push(runner);
  return runner;
}

before(async () => {
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await cluster?.close();
  await Promise.all(runners.map((r) => r.stop()));
});

function failing(name: string, source: string, requeueOnError: boolean, failures: number, calls: number[]) {
  @service(name)
  class Failing {
    @eventHandler(source, "happened", { requeueOnError })
    handle() {
      calls.push(Date.now());
      if (calls.length <= failures) throw new Error(`failure ${calls.length}`);
    }
  }
  return Failing;
}

test("requeueOnError: a failed event comes back after 1 s, then 2 s, and is handled", async () => {
  const source = uniqueName("src");
  const name = uniqueName("flaky");
  const calls: number[] = [];
  await run(failing(name, source, true, 2, calls));
  await cluster.dispatchEvent(source, "happened", { n: 1 });
  await waitFor(() => calls.length === 3, "the third try", 15_000);
  const [first, second, third] = calls as [number, number, number];
  assert.ok(second - first >= 900, `first retry after ${second - first} ms`);
  assert.ok(third - second >= 1800, `second retry after ${third - second} ms`);
  await waitFor(() => queueState(vhost, `evt-${source}-happened--${name}.handle`)?.messages === 0, "the ack");
});

test("requeueOnError: a handler that always fails does not spin; a stop during the delay loses nothing", async () => {
  const source = uniqueName("src");
  const name = uniqueName("broken");
  const calls: number[] = [];
  const runner = await run(failing(name, source, true, Number.POSITIVE_INFINITY, calls));
  await cluster.dispatchEvent(source, "happened", { n: 1 });
  await delay(3500);
  // Tries at about 0 s, 1 s and 3 s; Nameko would have made thousands.
  assert.ok(calls.length >= 2 && calls.length <= 3, `${calls.length} tries in 3.5 s`);
  const started = Date.now();
  await runner.stop();
  assert.ok(Date.now() - started < 2000, "stop does not wait for the 4 s delay");
  // The event waits in a delay queue of the broker, and comes back to its queue after it.
  const queue = `evt-${source}-happened--${name}.handle`;
  await waitFor(() => queueState(vhost, queue)?.messages === 1, "the event back in its queue", 10_000);
  assert.deepEqual(queueState(vhost, queue), { messages: 1, consumers: 0 });
});

test("requeueOnError: a kill during the delay loses nothing", async () => {
  const source = uniqueName("src");
  const name = uniqueName("held");
  const calls: number[] = [];
  const runner = await run(failing(name, source, true, Number.POSITIVE_INFINITY, calls));
  await cluster.dispatchEvent(source, "happened", { n: 1 });
  await waitFor(() => calls.length === 1, "the first try");
  await runner.kill();
  const queue = `evt-${source}-happened--${name}.handle`;
  await waitFor(() => queueState(vhost, queue)?.consumers === 0, "the consumer to go");
  await waitFor(() => queueState(vhost, queue)?.messages === 1, "the event back in its queue", 10_000);
});

test("without requeueOnError a failed event goes to the dead-letter queue, and the failure is logged", async () => {
  const source = uniqueName("src");
  const name = uniqueName("boom");
  const calls: number[] = [];
  const logger = captureLogger();
  await run(failing(name, source, false, Number.POSITIVE_INFINITY, calls), logger);
  await cluster.dispatchEvent(source, "happened", { n: 1 });
  await waitFor(() => calls.length === 1, "the try");
  const queue = `evt-${source}-happened--${name}.handle`;
  // rabbitmqctl is slow on a loaded machine: generous limits.
  await waitFor(() => queueState(vhost, `${queue}.dead-letter`)?.messages === 1, "the dead letter", 30_000);
  // The original is acknowledged once the dead letter is confirmed: a moment later.
  await waitFor(() => queueState(vhost, queue)?.messages === 0, "the ack", 30_000);
  await delay(300);
  assert.equal(calls.length, 1);
  assert.ok(logger.lines.some((l) => l.level === "error" && l.msg === "error in worker"));
  assert.ok(
    logger.lines.some(
      (l) => l.level === "error" && l.fields.queue === queue && l.msg.includes(`${queue}.dead-letter`),
    ),
  );
});

test("undecodable events are dead-lettered with the reason, never run, logged with the queue", async () => {
  const source = uniqueName("src");
  const name = uniqueName("strict");
  const seen: unknown[] = [];
  @service(name)
  class Strict {
    @eventHandler(source, "happened")
    handle(payload: unknown) {
      seen.push(payload);
    }
  }
  const logger = captureLogger();
  await run(Strict, logger);
  const queue = `evt-${source}-happened--${name}.handle`;
  const publish = (body: string, properties: MessageProperties) =>
    cluster.transport.publish({
      exchange: `${source}.events`,
      routingKey: "happened",
      body: Buffer.from(body),
      properties,
    });
  await publish('{"a": 1}', { headers: {} });
  await publish('{"a": 1}', { contentType: "text/plain", headers: {} });
  await publish("{not json", { contentType: "application/json", contentEncoding: "utf-8", headers: {} });
  await publish('"ok"', { contentType: "application/json", contentEncoding: "utf-8", headers: {} });
  await waitFor(() => seen.length === 1, "the good event");
  await waitFor(
    () => logger.lines.filter((l) => /rejected a message/.test(l.msg)).length === 3,
    "3 rejections",
  );
  assert.deepEqual(seen, ["ok"]);
  // Workers run side by side, so the rejections are logged in no fixed order.
  const reasons = logger.lines
    .filter((l) => /rejected a message/.test(l.msg))
    .map((l) => String(l.fields.reason))
    .sort();
  assert.equal(reasons.length, 3, String(reasons));
  assert.match(reasons[0] ?? "", /^Invalid JSON/);
  assert.deepEqual(reasons.slice(1), [
    "Message has no content type",
    "Unsupported content type `text/plain`",
  ]);
  for (const line of logger.lines.filter((l) => /rejected a message/.test(l.msg))) {
    assert.equal(line.fields.queue, queue);
    assert.ok(line.msg.includes(queue));
  }
  await delay(300);
  assert.equal(queueState(vhost, queue)?.messages, 0);
  // Never run, never dropped: in the dead-letter queue with the reason.
  const letters = [];
  for (;;) {
    const letter = await cluster.transport.getMessage(`${queue}.dead-letter`);
    if (letter === undefined) break;
    letters.push(letter);
  }
  assert.deepEqual(
    letters.map((l) => [
      l.properties.headers["x-enoki-error-type"],
      l.properties.headers["x-enoki-attempts"],
    ]),
    [
      ["BodyDecodeError", 0],
      ["BodyDecodeError", 0],
      ["BodyDecodeError", 0],
    ],
  );
  // Dead-lettered as the workers finished, in no fixed order: each with its own reason.
  assert.deepEqual(
    letters.map((l) => String(l.properties.headers["x-enoki-error-message"]).replace(/:.*/, ":")).sort(),
    ["Invalid JSON:", "Message has no content type", "Unsupported content type `text/plain`"],
  );
  for (const letter of letters) letter.reject(true);
});

test("a broadcast handler with the default identifier cannot have reliable delivery", async () => {
  const name = uniqueName("bad_bcast");
  @service(name)
  class BadBroadcast {
    @eventHandler(uniqueName("src"), "happened", { handlerType: "broadcast" })
    handle() {}
  }
  await assert.rejects(
    closeIfOpened(runServices([BadBroadcast], { config: { AMQP_URI: brokerUri() }, logger: silentLogger })),
    (err: unknown) =>
      err instanceof ConfigurationError &&
      err.message.includes(`eventHandler ${name}.handle`) &&
      err.message.includes("reliableDelivery"),
  );
});

test("a broadcast handler with a stable identifier keeps a reliable, shared-nothing queue", async () => {
  const source = uniqueName("src");
  const name = uniqueName("stable_bcast");
  @service(name)
  class StableBroadcast {
    @eventHandler(source, "happened", { handlerType: "broadcast", broadcastIdentifier: () => "host-1" })
    handle() {}
  }
  await run(StableBroadcast);
  const queue = listBroker("queues", vhost, ["name", "durable", "auto_delete", "exclusive"]).find(
    (q) => q.name === `evt-${source}-happened--${name}.handle-host-1`,
  );
  assert.deepEqual(queue, {
    name: `evt-${source}-happened--${name}.handle-host-1`,
    durable: true,
    auto_delete: false,
    exclusive: false,
  });
});

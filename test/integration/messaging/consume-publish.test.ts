import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Cluster,
  connect,
  consume,
  dependency,
  publisher,
  RemoteError,
  rpc,
  runServices,
  type ServiceClass,
  type ServiceRunner,
  service,
  silentLogger,
  type WorkerContext,
} from "../../../src/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { listBroker, queueState } from "../../support/queues.js";
import { waitFor } from "../../support/wait.js";

const vhost = vhostOf(brokerUri());
const runners: ServiceRunner[] = [];
let cluster: Cluster;

async function run(...classes: ServiceClass[]): Promise<void> {
  runners.push(await runServices(classes, { config: { AMQP_URI: brokerUri() }, logger: silentLogger }));
}

before(async () => {
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await cluster?.close();
  await Promise.all(runners.map((r) => r.stop()));
});

const context = () =>
  dependency<WorkerContext>("ctx", () => ({ name: "ctx", get: (ctx: WorkerContext) => ctx }));
interface Received {
  body: unknown;
  ctx: WorkerContext;
}

test("publisher → topic exchange → @consume, with context headers merged as Nameko does", async () => {
  const exchange = { name: uniqueName("orders"), type: "topic" as const };
  const queue = uniqueName("billing");
  const producer = uniqueName("producer");
  const received: Received[] = [];

  @service(producer)
  class Producer {
    publish = publisher({ exchange, headers: { "x-app": "shop", "nameko.call_id_stack": "bogus" } });
    @rpc
    async send(order: unknown, key: string) {
      await this.publish(order, { routingKey: key, headers: { "x-call": "yes" } });
    }
  }
  @service(uniqueName("consumer"))
  class Consumer {
    ctx = context();
    @consume({ queue, exchange, routingKey: "order.*" })
    handle(body: unknown) {
      received.push({ body, ctx: this.ctx });
    }
  }
  await run(Producer, Consumer);
  const queues = listBroker("queues", vhost, ["name", "durable", "auto_delete", "exclusive"]);
  assert.deepEqual(
    queues.find((q) => q.name === queue),
    { name: queue, durable: true, auto_delete: false, exclusive: false },
    "declared with kombu's defaults",
  );

  await cluster.service<Producer>(producer).send({ id: 1 }, "order.created");
  await cluster.service<Producer>(producer).send({ id: 2 }, "invoice.created"); // not bound
  await waitFor(() => received.length === 1, "the order");
  const [{ body, ctx }] = received as [Received];
  assert.deepEqual(body, { id: 1 });
  assert.equal(ctx.data["x-app"], "shop");
  assert.equal(ctx.data["x-call"], "yes");
  // The context wins: the stack continues the producer's call, not the publisher's default header.
  assert.equal(ctx.callIdStack.length, 3);
  assert.match(ctx.callIdStack[0] as string, /^standalone_rpc_proxy\.call\./);
  assert.match(ctx.callIdStack[1] as string, new RegExp(`^${producer}\\.send\\.`));
  await waitFor(() => queueState(vhost, queue)?.messages === 0, "the ack");
});

test("a foreign producer's message on the default exchange reaches @consume; requeueOnError retries", async () => {
  const queue = uniqueName("plain");
  const tries: unknown[] = [];
  @service(uniqueName("plain_consumer"))
  class PlainConsumer {
    @consume({ queue: { name: queue, durable: false, autoDelete: true } }, { requeueOnError: true })
    handle(body: unknown) {
      tries.push(body);
      if (tries.length === 1) throw new Error("not yet");
    }
  }
  await run(PlainConsumer);
  await cluster.transport.publish({
    exchange: "",
    routingKey: queue,
    body: Buffer.from('{"plain": true}'),
    properties: { contentType: "application/json", headers: {} },
  });
  await waitFor(() => tries.length === 2, "the retry", 10_000);
  assert.deepEqual(tries, [{ plain: true }, { plain: true }]);
});

test("publisher to the default exchange, and mandatory publishing of an unroutable message", async () => {
  const queue = uniqueName("direct");
  const producer = uniqueName("direct_producer");
  const received: unknown[] = [];
  @service(producer)
  class DirectProducer {
    publish = publisher({ routingKey: queue });
    @rpc
    async send(payload: unknown) {
      await this.publish(payload);
    }
    @rpc
    async lost() {
      await this.publish("lost", { routingKey: uniqueName("nowhere"), mandatory: true });
    }
  }
  @service(uniqueName("direct_consumer"))
  class DirectConsumer {
    @consume({ queue })
    handle(body: unknown) {
      received.push(body);
    }
  }
  await run(DirectProducer, DirectConsumer);
  await cluster.service<DirectProducer>(producer).send(["a", 1]);
  await waitFor(() => received.length === 1, "the message");
  assert.deepEqual(received, [["a", 1]]);
  await assert.rejects(
    cluster.service<DirectProducer>(producer).lost(),
    (err: unknown) => err instanceof RemoteError && err.excType === "UndeliverableMessage",
  );
});

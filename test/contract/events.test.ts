// Must come first: records header wire types before amqplib loads.
import "./header-tags.js";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Cluster,
  connect,
  dependency,
  eventDispatcher,
  eventHandler,
  publisher,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
  type WorkerContext,
} from "../../src/index.js";
import { createVhost } from "../support/broker.js";
import { FIXTURE_CONTEXT } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";
import {
  assertDeliveryMatches,
  assertMatches,
  loadFixture,
  type MessageFixture,
  openTap,
  withExamples,
} from "./event-wire.js";

let runner: ServiceRunner;
let cluster: Cluster;
// Registered before createVhost's own `after`, so connections close before the vhost goes.
after(async () => {
  await cluster?.close();
  await runner?.stop();
});

// Fixture names ("alpha", "capture-custom") are used as they are, in a vhost of this file's own.
const { uri } = createVhost("enoki-test-events-contract");
const alphaEvents = { name: "alpha.events", type: "topic", durable: true, autoDelete: false } as const;
const customExchange = { name: "capture-custom", type: "topic", durable: true, autoDelete: false } as const;

@service("alpha")
class Alpha {
  dispatch = eventDispatcher<{ thing_happened: { id: number; msg: string } }>();
  publish = publisher({ exchange: { name: "capture-custom", type: "topic" } });

  @rpc
  async emit(id: number, msg: string) {
    await this.dispatch("thing_happened", { id, msg });
  }

  @rpc
  async pub() {
    await this.publish({ k: "v" }, { routingKey: "custom.key" });
  }
}

// What arrives: Nameko drops the None value on the wire.
const { none_val: _dropped, ...CONTEXT } = FIXTURE_CONTEXT;

before(async () => {
  runner = await runServices([Alpha], { config: { AMQP_URI: uri }, logger: silentLogger });
  cluster = await connect({ uri, logger: silentLogger });
});

test("event_service_dispatcher: an event dispatched inside a worker", async () => {
  await using tap = await openTap(cluster.transport, alphaEvents, "thing_happened");
  await cluster.rpc.alpha!.emit!(1, "from-dispatcher");
  assertDeliveryMatches(await tap.next(), loadFixture("event_service_dispatcher"));
});

test("event_service_dispatcher_with_context: the worker's context travels as nameko.* headers", async () => {
  await using tap = await openTap(cluster.transport, alphaEvents, "thing_happened");
  {
    await using withContext = await connect({ uri, logger: silentLogger, contextData: CONTEXT });
    await withContext.rpc.alpha!.emit!(2, "with-context");
  }
  assertDeliveryMatches(await tap.next(), loadFixture("event_service_dispatcher_with_context"));
});

test("event_standalone_dispatcher: Cluster.dispatchEvent sends an empty header table", async () => {
  await using tap = await openTap(cluster.transport, alphaEvents, "thing_happened");
  await cluster.dispatchEvent("alpha", "thing_happened", { id: 3, msg: "standalone" });
  assertDeliveryMatches(await tap.next(), loadFixture("event_standalone_dispatcher"));
});

test("messaging_publisher: a publisher message carries the worker context", async () => {
  await using tap = await openTap(cluster.transport, customExchange, "custom.key");
  await cluster.rpc.alpha!.pub!();
  assertDeliveryMatches(await tap.next(), loadFixture("messaging_publisher"));
});

test("a fixture-shaped event published raw reaches an Enoki handler, with its context", async () => {
  const seen: { payload: unknown; ctx: WorkerContext }[] = [];
  @service("beta")
  class Beta {
    ctx = dependency<WorkerContext>("ctx", () => ({ name: "ctx", get: (ctx: WorkerContext) => ctx }));
    @eventHandler("alpha", "thing_happened")
    on_thing(payload: unknown) {
      seen.push({ payload, ctx: this.ctx });
    }
  }
  const beta = await runServices([Beta], { config: { AMQP_URI: uri }, logger: silentLogger });
  try {
    for (const name of ["event_service_dispatcher_with_context", "event_standalone_dispatcher"]) {
      const fixture = loadFixture<MessageFixture & { body_raw: string }>(name);
      const p = fixture.properties as {
        content_type: string;
        content_encoding: string;
        delivery_mode: number;
      };
      await cluster.transport.publish({
        exchange: fixture.exchange,
        routingKey: fixture.routing_key,
        body: Buffer.from(fixture.body_raw),
        properties: {
          contentType: p.content_type,
          contentEncoding: p.content_encoding,
          deliveryMode: p.delivery_mode,
          priority: 0,
          headers: withExamples(fixture.headers, fixture.placeholders),
        },
      });
    }
    await waitFor(() => seen.length === 2, "both events");
  } finally {
    await beta.stop();
  }
  const [withContext, standalone] = seen as [(typeof seen)[0], (typeof seen)[0]];
  assert.deepEqual(withContext.payload, { id: 2, msg: "with-context" });
  assert.deepEqual(withContext.ctx.data, CONTEXT);
  const uuid = { regex: "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$" };
  // The stack published above (the fixture's examples; a regenerated fixture has others), then
  // the handler's own call id.
  const sent = loadFixture("event_service_dispatcher_with_context");
  const sentStack = withExamples(sent.headers["nameko.call_id_stack"], sent.placeholders) as string[];
  assertMatches(withContext.ctx.callIdStack, [...sentStack, "beta.on_thing.{{UUID}}"], { "{{UUID}}": uuid });
  // No stack arrived: the handler starts a new one.
  assert.deepEqual(standalone.payload, { id: 3, msg: "standalone" });
  assert.deepEqual(standalone.ctx.data, {});
  assertMatches(standalone.ctx.callIdStack, ["beta.on_thing.{{UUID}}"], { "{{UUID}}": uuid });
});

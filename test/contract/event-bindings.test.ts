import { after, before, test } from "node:test";
import {
  eventHandler,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../src/index.js";
import { createVhost } from "../support/broker.js";
import { listBroker, type Row } from "../support/queues.js";
import { assertMatches, loadFixture, type MessageFixture } from "./event-wire.js";

let runner: ServiceRunner;
// Registered before createVhost's own `after`, so connections close before the vhost goes.
after(async () => {
  await runner?.stop();
});

// The fixture's service and source names, as they are, in a vhost of this file's own.
const { uri, vhost } = createVhost("enoki-test-bindings-contract");

interface BindingsFixture {
  exchanges: Row[];
  queues: Row[];
  bindings: Row[];
  consumers: Row[];
  placeholders: MessageFixture["placeholders"];
}
const fixture = loadFixture<BindingsFixture>("bindings");

@service("listener")
class Listener {
  @rpc
  ping() {
    return "pong";
  }

  @eventHandler("emitter", "evt_pool")
  on_pool(_payload: unknown) {}

  @eventHandler("emitter", "evt_broadcast", { handlerType: "broadcast", reliableDelivery: false })
  on_broadcast(_payload: unknown) {}

  @eventHandler("emitter", "evt_singleton", { handlerType: "singleton" })
  on_singleton(_payload: unknown) {}
}

before(async () => {
  runner = await runServices([Listener], { config: { AMQP_URI: uri }, logger: silentLogger });
});

/** Rows of a listing, with the fixture's columns, in a stable order. */
function broker(
  what: "queues" | "bindings" | "exchanges" | "consumers",
  expected: Row[],
  keep = (_r: Row) => true,
) {
  const columns = Object.keys(expected[0] as Row).filter((c) => c !== "consumer_tag");
  return sortRows(listBroker(what, vhost, columns).filter(keep));
}

// Placeholders sort like the values they stand for here: every name around them differs earlier.
function sortRows(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

// rabbitmqctl prints an empty argument table as [] where the fixture has {}.
function normalise(rows: Row[]): Row[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        k === "arguments" && Array.isArray(v) && v.length === 0 ? {} : v,
      ]),
    ),
  );
}

test("exchanges: nameko-rpc and emitter.events, with Nameko's flags", () => {
  const actual = broker(
    "exchanges",
    fixture.exchanges,
    (r) => r.name !== "" && !String(r.name).startsWith("amq."),
  );
  assertMatches(normalise(actual), sortRows(fixture.exchanges), fixture.placeholders);
});

test("queues: names, durable / auto_delete / exclusive flags, arguments, one consumer each", () => {
  const actual = broker("queues", fixture.queues);
  assertMatches(normalise(actual), sortRows(fixture.queues), fixture.placeholders);
});

test("bindings: each queue bound to its exchange with the exact routing key", () => {
  const actual = broker("bindings", fixture.bindings);
  assertMatches(normalise(actual), sortRows(fixture.bindings), fixture.placeholders);
});

test("consumers: manual acks, prefetch max_workers (10) per consumer", () => {
  const expected = fixture.consumers.map(({ consumer_tag: _tag, ...rest }) => rest);
  const actual = broker("consumers", fixture.consumers);
  assertMatches(normalise(actual), sortRows(expected), fixture.placeholders);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultBroadcastId, eventExchange, eventQueue } from "../../../src/wire/names.js";

const names = { source: "emitter", eventType: "evt", service: "listener", method: "on_evt" };

test("event handler queues: Nameko's names and flags (nameko-protocol.md §6.3)", () => {
  assert.deepEqual(eventQueue({ ...names, handlerType: "service_pool", reliableDelivery: true }), {
    name: "evt-emitter-evt--listener.on_evt",
    durable: true,
    exclusive: false,
    autoDelete: false,
  });
  assert.deepEqual(eventQueue({ ...names, handlerType: "singleton", reliableDelivery: false }), {
    name: "evt-emitter-evt",
    durable: true,
    exclusive: false,
    autoDelete: true,
  });
  assert.deepEqual(
    eventQueue({ ...names, handlerType: "broadcast", reliableDelivery: false, broadcastId: "id" }),
    {
      name: "evt-emitter-evt--listener.on_evt-id",
      durable: true,
      exclusive: true,
      autoDelete: true,
    },
  );
  // A reliable broadcast queue (stable identifier) survives its connection, as in Nameko.
  assert.deepEqual(
    eventQueue({ ...names, handlerType: "broadcast", reliableDelivery: true, broadcastId: "h" }),
    {
      name: "evt-emitter-evt--listener.on_evt-h",
      durable: true,
      exclusive: false,
      autoDelete: false,
    },
  );
});

test("event exchanges and broadcast identifiers", () => {
  assert.deepEqual(eventExchange("src"), {
    name: "src.events",
    type: "topic",
    durable: true,
    autoDelete: false,
  });
  assert.equal(eventExchange("src", true, false).declare, false);
  assert.match(defaultBroadcastId(), /^[0-9a-f]{32}$/);
  assert.notEqual(defaultBroadcastId(), defaultBroadcastId());
});

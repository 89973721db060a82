/**
 * Checking messages against the golden Nameko fixtures (test/fixtures/nameko-wire): properties,
 * headers with their AMQP types, body, and `{{TOKEN}}` placeholders matched by their regex.
 */
import assert from "node:assert/strict";
import type { Consumer, Delivery, ExchangeSpec, Transport } from "../../src/extension.js";
import { uniqueName } from "../support/broker.js";
import { assertMatches, type Fixture, loadFixture, withExamples } from "../support/fixtures.js";
import { waitFor } from "../support/wait.js";
import { headerTags, type Tag } from "./header-tags.js";

/** A message fixture. */
export type MessageFixture = Fixture;
export { assertMatches, loadFixture, withExamples };

/**
 * Asserts the AMQP type of every header value is the one py-amqp gave the fixture's JSON value:
 * strings `S`, integers `I`, floats `d`, booleans `t`, objects `F`, arrays `A`.
 */
export function assertHeaderTags(headers: object, expected: Record<string, unknown>): void {
  const tags = headerTags(headers);
  for (const [key, value] of Object.entries(expected)) {
    assertTag(tags[key], value, key);
  }
}

function assertTag(tag: Tag | undefined, value: unknown, path: string): void {
  assert.ok(tag !== undefined, `${path}: no wire tag`);
  if (Array.isArray(value)) {
    assert.equal(tag.tag, "A", `${path}: array`);
    for (const [i, v] of value.entries()) assertTag(tag.items?.[i], v, `${path}[${i}]`);
  } else if (typeof value === "object" && value !== null) {
    assert.equal(tag.tag, "F", `${path}: table`);
    for (const [k, v] of Object.entries(value)) assertTag(tag.fields?.[k], v, `${path}.${k}`);
  } else {
    const expected = { string: "S", boolean: "t", number: Number.isInteger(value) ? "I" : "d" }[
      typeof value as "string" | "boolean" | "number"
    ];
    assert.equal(tag.tag, expected, `${path}: ${JSON.stringify(value)} sent as \`${tag.tag}\``);
  }
}

// Basic properties by the fixtures' (kombu's) names.
const PROPERTY_NAMES: Record<string, string> = {
  content_type: "contentType",
  content_encoding: "contentEncoding",
  delivery_mode: "deliveryMode",
  priority: "priority",
  correlation_id: "correlationId",
  reply_to: "replyTo",
  expiration: "expiration",
  message_id: "messageId",
  timestamp: "timestamp",
  type: "type",
  user_id: "userId",
  app_id: "appId",
  cluster_id: "clusterId",
};

/**
 * Asserts a delivery is the fixture's message: exchange, routing key, exactly the fixture's
 * properties (every other one unset), headers (placeholders, wire types) and body.
 */
export function assertDeliveryMatches(delivery: Delivery, fixture: MessageFixture): void {
  assert.equal(delivery.exchange, fixture.exchange);
  assert.equal(delivery.routingKey, fixture.routing_key);
  assert.equal(delivery.redelivered, fixture.redelivered);
  const properties = delivery.properties as unknown as Record<string, unknown>;
  for (const [name, camel] of Object.entries(PROPERTY_NAMES)) {
    if (name in fixture.properties) assert.deepEqual(properties[camel], fixture.properties[name], name);
    else assert.equal(properties[camel], undefined, `${name} must not be set`);
  }
  for (const name of fixture.properties_not_set)
    assert.ok(name in PROPERTY_NAMES, `unknown property ${name}`);
  assertMatches(delivery.properties.headers, fixture.headers, fixture.placeholders, new Map(), "headers");
  assertHeaderTags(delivery.properties.headers, fixture.headers);
  assertMatches(
    JSON.parse(delivery.body.toString("utf8")),
    fixture.body,
    fixture.placeholders,
    new Map(),
    "body",
  );
}

/** A private queue bound to one exchange with one exact routing key, keeping what it receives. */
export interface Tap extends AsyncDisposable {
  readonly received: Delivery[];
  /** Waits for the next message not yet taken. */
  next(): Promise<Delivery>;
  close(): Promise<void>;
}

/** Opens a tap. Never bind `#` on the RPC exchange: that hides unknown services from everyone. */
export async function openTap(
  transport: Transport,
  exchange: ExchangeSpec,
  routingKey: string,
): Promise<Tap> {
  const received: Delivery[] = [];
  let taken = 0;
  const consumer: Consumer = await transport.consume({
    queue: { name: uniqueName("tap"), durable: false, exclusive: true, autoDelete: true },
    bindings: [{ exchange, routingKey }],
    prefetch: 0,
    onMessage: (delivery) => {
      received.push(delivery);
      delivery.ack();
    },
  });
  return {
    received,
    async next() {
      await waitFor(() => received.length > taken, `a message on ${exchange.name} / ${routingKey}`);
      return received[taken++] as Delivery;
    },
    close: () => consumer.close(),
    [Symbol.asyncDispose]: () => consumer.close(),
  };
}

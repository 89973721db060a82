/**
 * Checking messages against the golden Nameko fixtures (shared/fixtures/nameko-wire): properties,
 * headers with their AMQP types, body, and `{{TOKEN}}` placeholders matched by their regex.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Consumer, Delivery, ExchangeSpec, Transport } from "../../src/index.js";
import { uniqueName } from "../support/broker.js";
import { waitFor } from "../support/wait.js";
import { headerTags, type Tag } from "./header-tags.js";

const dir = fileURLToPath(new URL("../../../shared/fixtures/nameko-wire/", import.meta.url));

/** A message fixture. */
export interface MessageFixture {
  exchange: string;
  routing_key: string;
  redelivered: boolean;
  properties: Record<string, unknown>;
  properties_not_set: string[];
  headers: Record<string, unknown>;
  body: unknown;
  placeholders: Record<string, { regex: string; example?: string }>;
}

/** Loads a fixture by file name, without `.json`. */
export function loadFixture<T = MessageFixture>(name: string): T {
  return JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as T;
}

const TOKEN = /\{\{[A-Z0-9_]+\}\}/g;
const HAS_TOKEN = /\{\{[A-Z0-9_]+\}\}/;

/** Replaces placeholders by their example values (to publish a fixture as it was captured). */
export function withExamples<T>(value: T, placeholders: MessageFixture["placeholders"]): T {
  return JSON.parse(
    JSON.stringify(value).replace(TOKEN, (token) => placeholders[token]?.example ?? token),
  ) as T;
}

/**
 * Asserts `actual` equals `expected`, where strings of `expected` may hold placeholders: each must
 * match its regex and stand for one value throughout (`bound`).
 */
export function assertMatches(
  actual: unknown,
  expected: unknown,
  placeholders: MessageFixture["placeholders"],
  path = "$",
  bound = new Map<string, string>(),
): void {
  if (typeof expected === "string" && HAS_TOKEN.test(expected)) {
    assert.equal(typeof actual, "string", `${path}: expected a string`);
    const parts = expected.split(/(\{\{[A-Z0-9_]+\}\})/);
    const tokens = parts.filter((_, i) => i % 2 === 1);
    const source = parts
      .map((p, i) => (i % 2 === 1 ? `(${placeholderRegex(p, placeholders)})` : escapeRegex(p)))
      .join("");
    const match = new RegExp(`^${source}$`).exec(actual as string);
    assert.ok(match, `${path}: ${JSON.stringify(actual)} does not match ${expected}`);
    for (const [i, token] of tokens.entries()) {
      const value = match[i + 1] as string;
      const previous = bound.get(token);
      assert.ok(previous === undefined || previous === value, `${path}: ${token} stands for two values`);
      bound.set(token, value);
    }
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    for (const [i, e] of expected.entries())
      assertMatches(actual[i], e, placeholders, `${path}[${i}]`, bound);
    return;
  }
  if (typeof expected === "object" && expected !== null) {
    assert.ok(
      typeof actual === "object" && actual !== null && !Array.isArray(actual),
      `${path}: expected an object`,
    );
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const [key, e] of Object.entries(expected)) {
      assertMatches((actual as Record<string, unknown>)[key], e, placeholders, `${path}.${key}`, bound);
    }
    return;
  }
  assert.deepEqual(actual, expected, path);
}

function placeholderRegex(token: string, placeholders: MessageFixture["placeholders"]): string {
  const regex = placeholders[token]?.regex;
  assert.ok(regex !== undefined, `fixture has no regex for ${token}`);
  return regex.replace(/^\^/, "").replace(/\$$/, "");
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

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
  assertMatches(delivery.properties.headers, fixture.headers, fixture.placeholders, "headers");
  assertHeaderTags(delivery.properties.headers, fixture.headers);
  assertMatches(JSON.parse(delivery.body.toString("utf8")), fixture.body, fixture.placeholders, "body");
}

/** A private queue bound to one exchange with one exact routing key, keeping what it receives. */
export interface Tap {
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
  };
}

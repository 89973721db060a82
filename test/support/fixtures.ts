/**
 * Golden Nameko wire fixtures (test/fixtures/nameko-wire) and matching against them: volatile
 * values appear as `{{TOKEN}}` placeholders, each matched by its regex and bound to one value
 * per fixture.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The fixtures live in the repository (test/fixtures/nameko-wire; its README says how they were made). */
const dir = fileURLToPath(new URL("../fixtures/nameko-wire/", import.meta.url));

export interface Fixture {
  case: string;
  exchange: string;
  routing_key: string;
  publish?: { mandatory: boolean; immediate: boolean; channel_in_confirm_mode: boolean };
  properties: Record<string, unknown>;
  properties_not_set: string[];
  headers: Record<string, unknown>;
  body: unknown;
  body_raw: string;
  placeholders: Record<string, { regex: string; example?: string }>;
  request_body?: unknown;
  request_routing_key?: string;
  [key: string]: unknown;
}

/**
 * The context data the fixtures' callers sent (rpc_request_with_context and the events made
 * while handling it); `none_val` is dropped on the wire, as Nameko drops None.
 */
export const FIXTURE_CONTEXT = {
  language: "en-gb",
  user_id: "u-42",
  auth_token: "tok-abc",
  user_agent: "capture/1.0",
  custom_key: "custom-value",
  num: 7,
  nested: { a: [1, 2] },
  none_val: null,
} as const;

/** Loads one fixture by file name (without `.json`). */
export function loadFixture<T = Fixture>(name: string): T {
  return JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as T;
}

/** Fills placeholders with their example values (to publish a fixture message as captured). */
export function withExamples<T>(value: T, placeholders: Fixture["placeholders"]): T {
  return fillExamples(value, placeholders) as T;
}

function fillExamples(value: unknown, placeholders: Fixture["placeholders"]): unknown {
  if (typeof value === "string") {
    return value.replace(/\{\{[A-Z0-9_]+\}\}/g, (token) => placeholders[token]?.example ?? token);
  }
  if (Array.isArray(value)) return value.map((v) => fillExamples(v, placeholders));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillExamples(v, placeholders)]));
  }
  return value;
}

/**
 * Asserts `actual` matches `expected` where expected strings may contain placeholders. Each token
 * must match its regex and stand for the same value everywhere it appears (in `bound`).
 */
export function assertMatches(
  actual: unknown,
  expected: unknown,
  placeholders: Fixture["placeholders"],
  bound: Map<string, string> = new Map(),
  path = "$",
): Map<string, string> {
  if (typeof expected === "string" && /\{\{[A-Z0-9_]+\}\}/.test(expected)) {
    assert.equal(typeof actual, "string", `${path}: expected a string like ${expected}`);
    matchTemplate(actual as string, expected, placeholders, bound, path);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array`);
    assert.equal((actual as unknown[]).length, expected.length, `${path}: array length`);
    for (const [i, e] of expected.entries()) {
      assertMatches((actual as unknown[])[i], e, placeholders, bound, `${path}[${i}]`);
    }
  } else if (typeof expected === "object" && expected !== null) {
    assert.ok(
      typeof actual === "object" && actual !== null && !Array.isArray(actual),
      `${path}: expected an object`,
    );
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), `${path}: keys`);
    for (const [k, e] of Object.entries(expected)) {
      assertMatches((actual as Record<string, unknown>)[k], e, placeholders, bound, `${path}.${k}`);
    }
  } else {
    assert.deepEqual(actual, expected, path);
  }
  return bound;
}

function matchTemplate(
  actual: string,
  template: string,
  placeholders: Fixture["placeholders"],
  bound: Map<string, string>,
  path: string,
): void {
  const tokens: string[] = [];
  const pattern = template
    .split(/(\{\{[A-Z0-9_]+\}\})/)
    .map((part) => {
      if (!/^\{\{[A-Z0-9_]+\}\}$/.test(part)) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      tokens.push(part);
      const regex = placeholders[part]?.regex ?? ".+";
      return `(${regex.replace(/^\^/, "").replace(/\$$/, "")})`;
    })
    .join("");
  const match = new RegExp(`^${pattern}$`).exec(actual);
  assert.ok(match, `${path}: ${JSON.stringify(actual)} does not match ${template}`);
  tokens.forEach((token, i) => {
    const value = match[i + 1] as string;
    const previous = bound.get(token);
    if (previous !== undefined) assert.equal(value, previous, `${path}: ${token} bound to two values`);
    bound.set(token, value);
  });
}

/** AMQP property names as in the fixtures, from amqplib's camelCase. */
export const PROPERTY_NAMES: Record<string, string> = {
  contentType: "content_type",
  contentEncoding: "content_encoding",
  deliveryMode: "delivery_mode",
  priority: "priority",
  correlationId: "correlation_id",
  replyTo: "reply_to",
  expiration: "expiration",
  messageId: "message_id",
  timestamp: "timestamp",
  type: "type",
  userId: "user_id",
  appId: "app_id",
  clusterId: "cluster_id",
};

/** The set properties of a delivered message, with fixture names (headers excluded). */
export function fixtureProperties(properties: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [camel, snake] of Object.entries(PROPERTY_NAMES)) {
    if (properties[camel] !== undefined) out[snake] = properties[camel];
  }
  return out;
}

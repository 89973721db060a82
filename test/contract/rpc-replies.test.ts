/**
 * A fixture request published to an Enoki service gets a reply whose properties, headers and body
 * match the fixture reply Nameko produced for it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { runServices, type ServiceRunner, silentLogger } from "../../src/index.js";
import { openTap, rawChannel } from "../support/amqp-tap.js";
import { createVhost } from "../support/broker.js";
import {
  assertMatches,
  type Fixture,
  fixtureProperties,
  loadFixture,
  withExamples,
} from "../support/fixtures.js";
import { Alpha, Beta } from "./nameko-services.js";

const { uri } = createVhost("enoki-contract-replies");
let runner: ServiceRunner;

before(async () => {
  runner = await runServices([Alpha, Beta], { config: { AMQP_URI: uri }, logger: silentLogger });
});
after(async () => {
  await runner?.stop();
});

/** Publishes `body` to `routingKey` as a Nameko caller would, and returns the reply delivered. */
async function roundTrip(routingKey: string, body: string, headers: Record<string, unknown> = {}) {
  const replyTo = randomUUID();
  const correlationId = randomUUID();
  await using tap = await openTap(uri, "nameko-rpc", replyTo);
  await using raw = await rawChannel(uri);
  raw.ch.publish("nameko-rpc", routingKey, Buffer.from(body), {
    contentType: "application/json",
    contentEncoding: "utf-8",
    deliveryMode: 2,
    priority: 0,
    correlationId,
    replyTo,
    headers: { "nameko.call_id_stack": [`standalone_rpc_proxy.call.${randomUUID()}`], ...headers },
  });
  const reply = await tap.next();
  return { reply, correlationId, replyTo };
}

function assertReplyMatches(fixture: Fixture, reply: Awaited<ReturnType<typeof roundTrip>>) {
  const { reply: msg, correlationId, replyTo } = reply;
  assert.equal(msg.fields.exchange, fixture.exchange);
  assert.equal(msg.fields.routingKey, replyTo);
  const props = fixtureProperties(msg.properties as unknown as Record<string, unknown>);
  const bound = assertMatches(props, fixture.properties, fixture.placeholders);
  assert.equal(bound.get("{{CORRELATION_ID}}"), correlationId);
  for (const name of fixture.properties_not_set)
    assert.equal(props[name], undefined, `${name} must not be set`);
  assert.deepEqual(msg.properties.headers, fixture.headers);
  assertMatches(JSON.parse(msg.content.toString()), fixture.body, fixture.placeholders, bound);
}

const requestFor: Record<string, [string, string]> = {
  rpc_reply_success: ["alpha.echo", '{"args": ["hello"], "kwargs": {"b": 2}}'],
  rpc_reply_error_valueerror: ["alpha.fail", '{"args": [], "kwargs": {}}'],
  rpc_reply_custom_error: ["alpha.custom_err", '{"args": [], "kwargs": {}}'],
  rpc_reply_expected_exception: ["alpha.expected", '{"args": [], "kwargs": {}}'],
  rpc_reply_method_not_found: ["alpha.nope", '{"args": [], "kwargs": {}}'],
  rpc_reply_incorrect_signature: ["alpha.echo", '{"args": [], "kwargs": {}}'],
  rpc_reply_incorrect_signature_kwarg: ["alpha.echo", '{"args": [1], "kwargs": {"c": 3}}'],
  rpc_reply_malformed_request: ["alpha.echo", '{"foo": 1}'],
  rpc_reply_non_ascii: ["alpha.echo", '{"args": ["h\\u00e9llo \\u2603"], "kwargs": {}}'],
};

for (const [name, [routingKey, body]] of Object.entries(requestFor)) {
  test(`reply matches ${name}`, async () => {
    const fixture = loadFixture(name);
    if (fixture.request_routing_key) assert.equal(routingKey, fixture.request_routing_key);
    if (fixture.request_body) assert.deepEqual(JSON.parse(body), fixture.request_body);
    assertReplyMatches(fixture, await roundTrip(routingKey, body));
  });
}

test("reply matches rpc_reply_unserializable (value names the JavaScript type)", async () => {
  const fixture = loadFixture("rpc_reply_unserializable");
  const { reply } = await roundTrip("alpha.unserializable", '{"args": [], "kwargs": {}}');
  const body = JSON.parse(reply.content.toString());
  const expected = fixture.body as { error: { value: string } };
  // Python's repr is `<object object at 0x..>`; ours names the JavaScript type the same way.
  assert.match(body.error.value, /^Unserializable value: `<Map object at 0x[0-9a-f]+>`$/);
  assert.match(
    expected.error.value,
    /^Unserializable value: `<object object at \{\{PYTHON_OBJECT_ADDRESS\}\}>`$/,
  );
  assert.deepEqual(
    { ...body, error: { ...body.error, value: "" } },
    {
      ...(fixture.body as object),
      error: { ...expected.error, value: "" },
    },
  );
});

test("reply matches rpc_reply_with_context: the worker sees the context, prefix stripped", async () => {
  const fixture = loadFixture("rpc_reply_with_context");
  const request = loadFixture("rpc_request_with_context");
  const headers = withExamples(request.headers, request.placeholders) as Record<string, unknown>;
  const replyTo = randomUUID();
  await using tap = await openTap(uri, "nameko-rpc", replyTo);
  await using raw = await rawChannel(uri);
  // Typed as py-amqp writes them: ints as signed 32-bit, not amqplib's smallest-fit guess.
  raw.ch.publish("nameko-rpc", "alpha.whoami", Buffer.from('{"args": [], "kwargs": {}}'), {
    contentType: "application/json",
    contentEncoding: "utf-8",
    deliveryMode: 2,
    priority: 0,
    correlationId: randomUUID(),
    replyTo,
    headers: { ...headers, "nameko.num": { "!": "int", value: 7 } },
  });
  const reply = await tap.next();
  const body = JSON.parse(reply.content.toString());
  const example = (fixture.placeholders["{{STANDALONE_RPC_PROXY_CALL_UUID}}"] as { example: string }).example;
  const placeholders = { ...fixture.placeholders };
  placeholders["{{STANDALONE_RPC_PROXY_CALL_UUID}}"] = { regex: `^${example}$`, example };
  assertMatches(body, fixture.body, placeholders);
});

test("reply matches v3_rpc_reply_error (same format as 2.14)", async () => {
  const fixture = loadFixture("v3_rpc_reply_error");
  const error = (fixture.body as { error: Record<string, unknown> }).error;
  assert.deepEqual(error, {
    exc_type: "ValueError",
    exc_path: "builtins.ValueError",
    exc_args: ["v3 boom", "1"],
    value: "('v3 boom', 1)",
  });
  const { ValueError } = await import("./nameko-services.js");
  const { toWireError } = await import("../../src/wire/wire-error.js");
  assert.deepEqual(toWireError(new ValueError("v3 boom", 1), "delta"), error);
});

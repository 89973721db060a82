/**
 * What Enoki clients publish matches the requests Nameko callers publish: exchange, routing key,
 * properties, headers (with the AMQP types Python reads back) and body; nested calls carry a
 * call id stack of two. Reply queues and the service queue are declared as Nameko declares them.
 *
 * Nameko's callers wait forever (a `ClusterRpcProxy` and a service's `RpcProxy` have no timeout),
 * and a call without a timeout is byte for byte theirs: the fixtures are matched by clients with
 * `timeoutMs: 0` and services with `RPC_TIMEOUT: 0`. A call with a timeout differs by exactly two
 * things, checked at the end: the `expiration` property (the milliseconds left) and the
 * `nameko.deadline` header (epoch milliseconds, an int64), before the call id stack.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Cluster,
  connect,
  kwargs,
  runServices,
  type ServiceRunner,
  silentLogger,
  UnknownService,
} from "../../src/index.js";
import { openTap } from "../support/amqp-tap.js";
import { createVhost, rabbitmqctl } from "../support/broker.js";
import {
  assertMatches,
  FIXTURE_CONTEXT,
  type Fixture,
  fixtureProperties,
  loadFixture,
} from "../support/fixtures.js";
import { pythonTap, untyped } from "../support/python.js";
import { Alpha, Beta } from "./nameko-services.js";

const { uri, vhost } = createVhost("enoki-contract-requests");
let runner: ServiceRunner;
let cluster: Cluster;

/** `x-expires` as rabbitmqctl lists it: a signed 32-bit int, as Nameko declares it. */
const X_EXPIRES = [["x-expires", "signedint", 300000]];

const CONTEXT = FIXTURE_CONTEXT;

before(async () => {
  runner = await runServices([Alpha, Beta], {
    config: { AMQP_URI: uri, RPC_TIMEOUT: 0 },
    logger: silentLogger,
  });
  cluster = await connect({ uri, logger: silentLogger, timeoutMs: 0 });
});
after(async () => {
  await cluster?.close();
  await runner?.stop();
});

type TapMessage = Awaited<ReturnType<Awaited<ReturnType<typeof openTap>>["next"]>>;

function assertRequestMatches(fixture: Fixture, msg: TapMessage) {
  assert.equal(msg.fields.exchange, fixture.exchange);
  assert.equal(msg.fields.routingKey, fixture.routing_key);
  const props = fixtureProperties(msg.properties as unknown as Record<string, unknown>);
  const bound = assertMatches(props, fixture.properties, fixture.placeholders);
  for (const name of fixture.properties_not_set)
    assert.equal(props[name], undefined, `${name} must not be set`);
  assertMatches(msg.properties.headers, fixture.headers, fixture.placeholders, bound);
  assertMatches(JSON.parse(msg.content.toString()), fixture.body, fixture.placeholders, bound);
  // Context headers first in insertion order, the call id stack last (as Nameko writes them).
  assert.deepEqual(Object.keys(msg.properties.headers ?? {}), Object.keys(fixture.headers));
  return bound;
}

test("a standalone call matches rpc_request_no_context", async () => {
  const fixture = loadFixture("rpc_request_no_context");
  await using tap = await openTap(uri, "nameko-rpc", "alpha.echo");
  assert.deepEqual(await cluster.rpc.alpha!.echo!("hello", kwargs({ b: 2 })), { a: "hello", b: 2 });
  const bound = assertRequestMatches(fixture, await tap.next());
  // The standalone reply queue is rpc.reply-standalone_rpc_proxy-<reply_to>, with Nameko's flags.
  const replyQueue = `rpc.reply-standalone_rpc_proxy-${bound.get("{{REPLY_QUEUE_UUID}}")}`;
  assertQueue(replyQueue, {
    durable: true,
    auto_delete: false,
    exclusive: false,
    arguments: X_EXPIRES,
  });
  assertBinding("nameko-rpc", replyQueue, bound.get("{{REPLY_QUEUE_UUID}}") as string);
});

test("every call of one client carries the same standalone call id (Nameko 2.14)", async () => {
  await using tap = await openTap(uri, "nameko-rpc", "alpha.echo");
  await cluster.rpc.alpha!.echo!(1);
  await cluster.rpc.alpha!.echo!(2);
  const [a, b] = [await tap.next(), await tap.next()];
  assert.deepEqual(
    a.properties.headers?.["nameko.call_id_stack"],
    b.properties.headers?.["nameko.call_id_stack"],
  );
  assert.notEqual(a.properties.correlationId, b.properties.correlationId);
});

test("a call with context data matches rpc_request_with_context, types included", async () => {
  const fixture = loadFixture("rpc_request_with_context");
  await using withContext = await connect({ uri, logger: silentLogger, contextData: CONTEXT, timeoutMs: 0 });
  await using tap = await openTap(uri, "nameko-rpc", "alpha.whoami");
  await using python = await pythonTap(uri, "nameko-rpc", "alpha.whoami");
  await withContext.rpc.alpha!.whoami!();
  assertRequestMatches(fixture, await tap.next());
  // Python reads ints as int (not a short string), tables as dict, arrays of str as list of str.
  const seen = await python.message;
  const headers = seen.headers?.v as Record<string, { t: string; v: unknown }>;
  assert.equal(headers["nameko.num"]?.t, "int");
  assert.equal(headers["nameko.nested"]?.t, "dict");
  assert.equal(headers["nameko.language"]?.t, "str");
  const stack = headers["nameko.call_id_stack"] as { t: string; v: Array<{ t: string }> };
  assert.equal(stack.t, "list");
  assert.deepEqual(
    stack.v.map((e) => e.t),
    ["str"],
  );
  assertMatches(untyped(seen.headers as { t: string; v: unknown }), fixture.headers, fixture.placeholders);
  assert.equal(seen.properties.delivery_mode, 2);
  assert.equal(seen.properties.priority, 0);
});

test("a nested call from a service matches rpc_request_nested (call id stack of 2)", async () => {
  const fixture = loadFixture("rpc_request_nested");
  await using tap = await openTap(uri, "nameko-rpc", "beta.echo");
  const result = (await cluster.rpc.alpha!.nested!("x")) as { call_id_stack: string[] };
  const bound = assertRequestMatches(fixture, await tap.next());
  // beta saw the stack grow to three, ending with its own call id.
  assertMatches(
    result,
    loadFixture("rpc_reply_nested").body &&
      (loadFixture("rpc_reply_nested").body as { result: unknown }).result,
    {
      ...loadFixture("rpc_reply_nested").placeholders,
    },
  );
  assert.equal(result.call_id_stack.length, 3);
  assert.equal(result.call_id_stack[1], `alpha.nested.${bound.get("{{ALPHA_NESTED_UUID}}")}`);
  // The service-side reply queue: rpc.reply-alpha-<reply_to>.
  const replyQueue = `rpc.reply-alpha-${bound.get("{{REPLY_QUEUE_UUID}}")}`;
  assertQueue(replyQueue, {
    durable: true,
    auto_delete: false,
    exclusive: false,
    arguments: X_EXPIRES,
  });
});

test("a nested call forwards every context header (rpc_request_nested_with_context)", async () => {
  const fixture = loadFixture("rpc_request_nested_with_context");
  await using withContext = await connect({ uri, logger: silentLogger, contextData: CONTEXT, timeoutMs: 0 });
  await using tap = await openTap(uri, "nameko-rpc", "beta.echo");
  await withContext.rpc.alpha!.nested!("y");
  assertRequestMatches(fixture, await tap.next());
});

/**
 * A request with a deadline, checked against a fixture: the `expiration` (a whole number of
 * milliseconds, at most `timeoutMs`) and the `nameko.deadline` header (before the call id stack)
 * are checked, then taken away, and the rest must match the fixture as a deadline-less call does.
 * Returns the deadline.
 */
function assertRequestWithDeadline(fixture: Fixture, msg: TapMessage, timeoutMs: number, sentAt: number) {
  const { expiration, headers = {} } = msg.properties;
  assert.match(String(expiration), /^[1-9][0-9]*$/, "expiration: milliseconds as a string");
  assert.ok(Number(expiration) <= timeoutMs, `expiration ${expiration} <= ${timeoutMs}`);
  const deadline = headers["nameko.deadline"] as number;
  assert.ok(Number.isSafeInteger(deadline), "nameko.deadline: an integer");
  assert.ok(deadline >= sentAt + timeoutMs && deadline <= Date.now() + timeoutMs, "the caller's deadline");
  const keys = Object.keys(fixture.headers);
  keys.splice(keys.indexOf("nameko.call_id_stack"), 0, "nameko.deadline");
  assert.deepEqual(Object.keys(headers), keys, "nameko.deadline goes before the call id stack");
  const { "nameko.deadline": _, ...rest } = headers;
  assertRequestMatches(fixture, {
    ...msg,
    properties: { ...msg.properties, expiration: undefined, headers: rest },
  } as TapMessage);
  return deadline;
}

test("a call with a timeout adds expiration and nameko.deadline, nothing else (rpc_request_no_context)", async () => {
  const fixture = loadFixture("rpc_request_no_context");
  await using timed = await connect({ uri, logger: silentLogger, timeoutMs: 5000 });
  await using tap = await openTap(uri, "nameko-rpc", "alpha.echo");
  await using python = await pythonTap(uri, "nameko-rpc", "alpha.echo");
  const sentAt = Date.now();
  await timed.rpc.alpha!.echo!("hello", kwargs({ b: 2 }));
  assertRequestWithDeadline(fixture, await tap.next(), 5000, sentAt);
  // Python reads the deadline as an int and the expiration as the string AMQP defines.
  const seen = await python.message;
  const headers = seen.headers?.v as Record<string, { t: string; v: unknown }>;
  assert.equal(headers["nameko.deadline"]?.t, "int");
  assert.match(String(seen.properties.expiration), /^[1-9][0-9]*$/);
});

test("a nested call inside a call with a timeout carries the caller's deadline (rpc_request_nested_with_context)", async () => {
  const fixture = loadFixture("rpc_request_nested_with_context");
  await using timed = await connect({ uri, logger: silentLogger, contextData: CONTEXT, timeoutMs: 5000 });
  await using outer = await openTap(uri, "nameko-rpc", "alpha.nested");
  await using tap = await openTap(uri, "nameko-rpc", "beta.echo");
  const sentAt = Date.now();
  await timed.rpc.alpha!.nested!("y");
  const deadline = (await outer.next()).properties.headers?.["nameko.deadline"];
  assert.equal(assertRequestWithDeadline(fixture, await tap.next(), 5000, sentAt), deadline);
});

test("a call to a service nobody serves fails fast with UnknownService (rpc_unknown_service_return)", async () => {
  const started = Date.now();
  await assert.rejects(cluster.rpc.ghost!.method!(1), (err: unknown) => {
    assert.ok(err instanceof UnknownService);
    assert.equal(err.message, "Unknown service `ghost`");
    return true;
  });
  assert.ok(Date.now() - started < 2000, "UnknownService must not wait for a timeout");
});

test("the service queue and binding are Nameko's (rpc-<service>, <service>.*)", () => {
  assertQueue("rpc-alpha", { durable: true, auto_delete: false, exclusive: false, arguments: [] });
  assertBinding("nameko-rpc", "rpc-alpha", "alpha.*");
  const exchanges = JSON.parse(
    rabbitmqctl(
      "list_exchanges",
      "-p",
      vhost,
      "name",
      "type",
      "durable",
      "auto_delete",
      "internal",
      "arguments",
      "--formatter",
      "json",
    ),
  );
  assert.deepEqual(
    exchanges.find((e: { name: string }) => e.name === "nameko-rpc"),
    { name: "nameko-rpc", type: "topic", durable: true, auto_delete: false, internal: false, arguments: [] },
  );
});

function assertQueue(name: string, expected: Record<string, unknown>) {
  const queues = JSON.parse(
    rabbitmqctl(
      "list_queues",
      "-p",
      vhost,
      "name",
      "durable",
      "auto_delete",
      "exclusive",
      "arguments",
      "--formatter",
      "json",
    ),
  ) as Array<Record<string, unknown>>;
  const queue = queues.find((q) => q.name === name);
  assert.ok(queue, `queue ${name} exists`);
  assert.deepEqual(queue, { name, ...expected });
}

function assertBinding(exchange: string, queue: string, routingKey: string) {
  const bindings = JSON.parse(
    rabbitmqctl(
      "list_bindings",
      "-p",
      vhost,
      "source_name",
      "destination_name",
      "routing_key",
      "--formatter",
      "json",
    ),
  ) as Array<Record<string, unknown>>;
  assert.ok(
    bindings.some(
      (b) => b.source_name === exchange && b.destination_name === queue && b.routing_key === routingKey,
    ),
    `binding ${exchange} -> ${queue} (${routingKey})`,
  );
}

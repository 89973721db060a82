/**
 * Bad input at the AMQP boundary never crashes the service and is never silently dropped: it gets
 * a MalformedRequest reply where a reply is possible, and is otherwise rejected (not requeued
 * forever) with a log line naming the queue and the reason.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import {
  type Cluster,
  connect,
  IncorrectSignature,
  kwargs,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
  workerContext,
} from "../../../src/index.js";
import { openTap, rawChannel } from "../../support/amqp-tap.js";
import { brokerUri, rabbitmqctl, uniqueName, vhostOf } from "../../support/broker.js";
import { captureLogs } from "../../support/log-capture.js";
import { pythonPublish } from "../../support/python.js";

const name = uniqueName("sturdy");
const logs = captureLogs();

@service(name)
class Sturdy {
  ctx = workerContext();

  @rpc
  echo(value: unknown) {
    return value;
  }

  @rpc
  context() {
    return this.ctx.data;
  }
}

let runner: ServiceRunner;
let cluster: Cluster;
before(async () => {
  runner = await runServices([Sturdy], {
    config: { AMQP_URI: brokerUri(), MAX_MESSAGE_BYTES: 65_536 },
    logger: logs.logger,
  });
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await cluster?.close();
  await runner?.stop();
});

async function rawRequest(body: Buffer | string, props: Record<string, unknown>, method = "echo") {
  const replyTo = randomUUID();
  await using tap = await openTap(brokerUri(), "nameko-rpc", replyTo);
  await using raw = await rawChannel(brokerUri());
  raw.ch.publish("nameko-rpc", `${name}.${method}`, Buffer.from(body), {
    correlationId: randomUUID(),
    replyTo,
    ...props,
  });
  const reply = await tap.next();
  return JSON.parse(reply.content.toString()) as {
    result: unknown;
    error: { exc_type: string; value: string } | null;
  };
}

const JSON_PROPS = { contentType: "application/json", contentEncoding: "utf-8" };

test("no content type: a MalformedRequest reply (Nameko would crash)", async () => {
  const reply = await rawRequest('{"args": [1], "kwargs": {}}', {});
  assert.equal(reply.error?.exc_type, "MalformedRequest");
  assert.equal(reply.error?.value, "Message has no content type");
});

test("an unknown content type, invalid JSON, invalid UTF-8: MalformedRequest replies", async () => {
  assert.equal(
    (await rawRequest("x", { contentType: "text/plain" })).error?.value,
    "Unsupported content type `text/plain`",
  );
  assert.match((await rawRequest("{not json", JSON_PROPS)).error?.value ?? "", /^Invalid JSON/);
  assert.equal(
    (await rawRequest(Buffer.from([0xc3, 0x28]), JSON_PROPS)).error?.value,
    "Body is not valid UTF-8",
  );
});

test("a body that is not {args, kwargs}: MalformedRequest replies", async () => {
  for (const body of ['{"foo": 1}', "[1]", "null", '{"args": "xy", "kwargs": {}}']) {
    assert.equal((await rawRequest(body, JSON_PROPS)).error?.exc_type, "MalformedRequest", body);
  }
});

test("a refused request is logged with the error it was answered with, not the reason alone", async () => {
  const reply = await rawRequest('{"args": [], "kwargs": {}}', JSON_PROPS, "nope");
  assert.equal(reply.error?.exc_type, "MethodNotFound");
  const line = await logs.waitFor((l) => String(l.msg).includes("MethodNotFound"));
  assert.equal(line.msg, "refused an RPC request with MethodNotFound: nope");
  assert.equal(line.error, "MethodNotFound");
});

test("no reply_to: rejected without requeue, with a log line naming the queue and the reason", async () => {
  await using raw = await rawChannel(brokerUri());
  raw.ch.publish("nameko-rpc", `${name}.echo`, Buffer.from('{"args": [1], "kwargs": {}}'), JSON_PROPS);
  const line = await logs.waitFor((l) => String(l.msg).includes("without reply_to"));
  assert.equal(line.queue, `rpc-${name}`);
  const queues = rabbitmqctl(
    "list_queues",
    "-p",
    vhostOf(brokerUri()),
    "name",
    "messages",
    "messages_unacknowledged",
  );
  const row = queues.split("\n").find((l) => l.startsWith(`rpc-${name}\t`));
  assert.equal(row, `rpc-${name}\t0\t0`, "nothing left to be redelivered");
  assert.equal(await cluster.rpc[name]!.echo!("still here"), "still here");
});

test("__proto__ and constructor keys in payloads pollute nothing", async () => {
  const payload = JSON.parse(
    '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
  );
  const echoed = (await cluster.rpc[name]!.echo!(payload)) as object;
  assert.ok(Object.hasOwn(echoed, "__proto__"));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  await assert.rejects(
    cluster.rpc[name]!.echo!(1, kwargs(JSON.parse('{"__proto__": 1}'))),
    IncorrectSignature,
  );
  const reply = await rawRequest('{"args": [], "kwargs": {"__proto__": {"value": 1}}}', JSON_PROPS);
  assert.equal(reply.error?.exc_type, "IncorrectSignature");
  assert.equal(({} as Record<string, unknown>).value, undefined);
});

test("headers Python writes as 64-bit integers ('L') reach the worker intact", async () => {
  const replyTo = randomUUID();
  await using tap = await openTap(brokerUri(), "nameko-rpc", replyTo);
  await pythonPublish(brokerUri(), "nameko-rpc", `${name}.context`, '{"args": [], "kwargs": {}}', {
    content_type: "application/json",
    content_encoding: "utf-8",
    reply_to: replyTo,
    correlation_id: randomUUID(),
    application_headers: { "nameko.big": 2 ** 40, "nameko.small": 7, "nameko.call_id_stack": ["py.call.1"] },
  });
  const reply = JSON.parse((await tap.next()).content.toString());
  assert.deepEqual(reply, { result: { big: 2 ** 40, small: 7 }, error: null });
});

test("header values of every AMQP type Python writes reach the worker", async () => {
  const replyTo = randomUUID();
  await using tap = await openTap(brokerUri(), "nameko-rpc", replyTo);
  await pythonPublish(brokerUri(), "nameko-rpc", `${name}.context`, '{"args": [], "kwargs": {}}', {
    content_type: "application/json",
    reply_to: replyTo,
    correlation_id: randomUUID(),
    application_headers: {
      "nameko.str": "é",
      "nameko.int": -7,
      "nameko.int64": -(2 ** 40),
      "nameko.float": 0.1,
      "nameko.bool": true,
      "nameko.none": null,
      "nameko.table": { nested: [1, "two", { deeper: false }] },
      "nameko.bytes": { $bytes: "raw" },
      "nameko.decimal": { $decimal: "1.50" },
      "nameko.datetime": { $datetime: 1_700_000_000 },
    },
  });
  const reply = JSON.parse((await tap.next()).content.toString());
  assert.deepEqual(reply, {
    result: {
      str: "é",
      int: -7,
      int64: -(2 ** 40),
      float: 0.1,
      bool: true,
      none: null,
      table: { nested: [1, "two", { deeper: false }] },
      bytes: "raw",
      decimal: 1.5,
      datetime: "2023-11-14T22:13:20.000Z",
    },
    error: null,
  });
});

test("a body over MAX_MESSAGE_BYTES gets a MalformedRequest reply", async () => {
  const big = JSON.stringify({ args: ["x".repeat(100_000)], kwargs: {} });
  const reply = await rawRequest(big, JSON_PROPS);
  assert.equal(reply.error?.exc_type, "MalformedRequest");
  assert.match(reply.error?.value ?? "", /exceeds the limit of 65536/);
});

test("the service kept running through all of it", async () => {
  assert.equal(await cluster.rpc[name]!.echo!(42), 42);
  assert.equal(runner.containers[0]?.state, "running");
});

/**
 * `RPC_PERSISTENT: false` keeps only what Nameko's wire requires: transient requests, and the
 * transient replies to them, are published without publisher confirms (the broker keeps neither,
 * so a confirm would promise nothing), and the caller consumes its replies with noAck. Persistent
 * calls keep confirms both ways, and acknowledged replies. An unknown
 * service still fails at once: the request's return is matched to its call by correlation id and
 * route. On the in-memory broker; the same on RabbitMQ is in
 * test/integration/rpc/transient-calls.test.ts.
 */
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { test } from "node:test";
import {
  connect,
  MemoryBroker,
  rpc,
  ServiceRunner,
  service,
  silentLogger,
  UnknownService,
} from "../../../src/index.js";
import { ReplyListener } from "../../../src/rpc/reply-listener.js";
import { MemoryTransport } from "../../../src/transport/memory/memory-transport.js";
import type {
  ConsumerSpec,
  OutgoingMessage,
  ReturnedMessage,
  Transport,
} from "../../../src/transport/transport.js";
import { rpcExchange } from "../../../src/wire/names.js";
import { holdingTransport } from "../../support/holding-transport.js";

const isRequest = (message: OutgoingMessage) => message.properties.replyTo !== undefined;
const confirmed = (message: OutgoingMessage) => message.confirm !== false;

for (const persistent of [false, true]) {
  test(`RPC_PERSISTENT ${persistent}: requests and their replies are published ${persistent ? "with confirms, replies consumed with acks" : "without confirms, replies consumed with noAck"}`, async (t) => {
    const name = `echo_${randomBytes(4).toString("hex")}`;
    @service(name)
    class Echo {
      @rpc
      echo(value: unknown) {
        return value;
      }
    }
    const broker = new MemoryBroker();
    const server = holdingTransport(new MemoryTransport({ broker, logger: silentLogger }), () => false);
    const client = holdingTransport(new MemoryTransport({ broker, logger: silentLogger }), () => false);
    const consumed: ConsumerSpec[] = [];
    const spied: Transport = {
      ...client,
      consume: (spec) => {
        consumed.push(spec);
        return client.consume(spec);
      },
    };
    const runner = new ServiceRunner({ transport: server, logger: silentLogger }).add(Echo);
    await runner.start();
    t.after(() => runner.stop());
    const cluster = await connect({
      transport: spied,
      config: { RPC_PERSISTENT: persistent },
      logger: silentLogger,
    });
    t.after(() => cluster.close());

    assert.equal(await cluster.rpc[name]!.echo!("hi"), "hi");
    const [request] = client.published.filter(isRequest);
    const [reply] = server.published.filter((m) => !isRequest(m));
    assert.equal(request?.properties.deliveryMode, persistent ? 2 : 1);
    assert.equal(request?.mandatory, true, "requests stay mandatory (an unknown service is told)");
    assert.equal(
      reply?.properties.deliveryMode,
      persistent ? 2 : 1,
      "a reply is as persistent as its request",
    );
    assert.equal(request && confirmed(request), persistent, "the request's confirm");
    assert.equal(reply && confirmed(reply), persistent, "the reply's confirm");
    const [replies] = consumed;
    assert.equal(replies?.noAck === true, !persistent, "transient replies are consumed with noAck");
  });
}

test("RPC_PERSISTENT false: a call to a service nobody serves fails at once with UnknownService", async (t) => {
  const cluster = await connect({
    uri: "memory://",
    memoryBroker: new MemoryBroker(),
    config: { RPC_PERSISTENT: false },
    timeoutMs: 10_000,
    logger: silentLogger,
  });
  t.after(() => cluster.close());
  const started = Date.now();
  await assert.rejects(cluster.rpc.ghost!.boo!(), (err: unknown) => {
    assert.ok(err instanceof UnknownService, String(err));
    assert.equal(err.service, "ghost");
    return true;
  });
  assert.ok(Date.now() - started < 2000, "UnknownService must not wait for the timeout");
});

test("a return fails only the call it names: same correlation id, exchange and routing key", async (t) => {
  const exchange = rpcExchange();
  const listeners: Array<(message: ReturnedMessage) => void> = [];
  const inner = new MemoryTransport({ logger: silentLogger });
  // The in-memory transport, with returns the test makes up.
  const transport: Transport = {
    ...holdingTransport(inner, () => false),
    onReturn: (listener) => {
      listeners.push(listener);
      return () => listeners.splice(listeners.indexOf(listener), 1);
    },
  };
  const listener = new ReplyListener(transport, "tester", exchange, silentLogger);
  await listener.ready();
  t.after(async () => {
    await listener.stop();
    await inner.close();
  });
  const correlationId = randomUUID();
  const call = listener.expect(correlationId, "ghost.boo", 10_000, "ghost");
  call.catch(() => undefined);
  const hear = (exchangeName: string, routingKey: string, id: string) => {
    for (const l of listeners) l({ exchange: exchangeName, routingKey, properties: { correlationId: id } });
  };
  hear("another-exchange", "ghost.boo", correlationId);
  hear(exchange.name, "ghost.other", correlationId);
  hear(exchange.name, "ghost.boo", randomUUID());
  assert.equal(listener.pendingCount, 1, "returns of other messages leave the call waiting");
  hear(exchange.name, "ghost.boo", correlationId);
  await assert.rejects(call, UnknownService);
  assert.equal(listener.pendingCount, 0);
  await listener.stop();
  assert.equal(listeners.length, 0, "a stopped listener no longer hears returns");
});

/**
 * The Transport contract on RabbitMQ (the run's vhost), and what only RabbitMQ does.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { AmqpTransport } from "../../src/amqp/amqp-transport.js";
import { silentLogger } from "../../src/util/logger.js";
import { brokerUri } from "../support/broker.js";
import { captureLogger } from "../support/logs.js";
import { describeTransport } from "./transport.contract.js";

describeTransport("amqp", () =>
  AmqpTransport.connect({ uri: brokerUri(), logger: silentLogger, connectionName: "enoki contract" }),
);

test("amqp: the broker closing the channel of unconfirmed publishes is logged; the next publish gets a new channel", async () => {
  const logger = captureLogger();
  const transport = await AmqpTransport.connect({
    uri: brokerUri(),
    logger,
    connectionName: "enoki contract",
  });
  try {
    const unconfirmed = (exchange: string) =>
      transport.publish({
        exchange,
        routingKey: "x",
        body: Buffer.from("{}"),
        properties: { deliveryMode: 1, headers: {} },
        confirm: false,
      });
    // Resolves (written): only the broker's 404, which closes the channel, tells it went nowhere.
    await unconfirmed(`missing-${randomUUID()}`);
    const warned = () => logger.lines.some((l) => l.level === "warn" && /unconfirmed/.test(l.msg));
    for (let i = 0; i < 100 && !warned(); i++) await sleep(20);
    assert.ok(warned(), JSON.stringify(logger.lines));
    await unconfirmed("amq.topic");
  } finally {
    await transport.close();
  }
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { AmqpTransport } from "../../../src/amqp/amqp-transport.js";
import { captureLogs } from "../../support/log-capture.js";

test("each failed attempt names the broker tried, the next one, and what it took from the URI before it", async () => {
  const logs = captureLogs("warn");
  // Nothing listens on port 1: both brokers refuse, and the round ends with the backoff.
  const transport = new AmqpTransport({
    uri: "amqp://u:secret@127.0.0.1:1/shop;amqp://v:other@127.0.0.1",
    logger: logs.logger,
    backoff: { probeIntervalMs: 0 },
  });
  try {
    const first = await logs.waitFor((l) => String(l.msg).includes("trying"));
    assert.equal(
      first.msg,
      'broker amqp://u:***@127.0.0.1:1/shop not reachable; trying amqp://v:***@127.0.0.1 (port 1, vhost "shop" from the URI before it)',
    );
    const last = await logs.waitFor((l) => String(l.msg).includes("retrying in"));
    assert.match(
      String(last.msg),
      /^broker amqp:\/\/v:\*\*\*@127\.0\.0\.1 \(port 1, vhost "shop" from the URI before it\) not reachable; retrying in \d\.\d s$/,
    );
    assert.doesNotMatch(JSON.stringify(logs.lines), /secret|other/);
  } finally {
    await transport.close();
  }
});

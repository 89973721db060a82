import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../../src/core/config-file.js";
import { brokerKind, maskUri, parseBrokerUri } from "../../../src/transport/broker-uri.js";
import { ConfigurationError } from "../../../src/util/enoki-error.js";

test("parses AMQP URIs the way kombu does (pyamqp:// too, empty path = vhost /)", () => {
  assert.deepEqual(parseBrokerUri("pyamqp://guest:guest@localhost"), {
    protocol: "amqp",
    hostname: "localhost",
    port: 5672,
    username: "guest",
    password: "guest",
    vhost: "/",
  });
  const parsed = parseBrokerUri("amqps://u%40x:p%2Fw@rabbit:5999/my%2Fvhost?heartbeat=20");
  assert.equal(parsed.protocol, "amqps");
  assert.equal(parsed.username, "u@x");
  assert.equal(parsed.password, "p/w");
  assert.equal(parsed.port, 5999);
  assert.equal(parsed.vhost, "my/vhost");
  assert.equal(parsed.heartbeat, 20);
  assert.equal(parseBrokerUri("amqps://h").port, 5671);
});

test("bad URIs are configuration errors that never show the password", () => {
  assert.throws(
    () => parseBrokerUri("http://u:secret@h"),
    (e: unknown) => e instanceof ConfigurationError && !e.message.includes("secret"),
  );
  assert.throws(() => parseBrokerUri("not a uri :secret@"), ConfigurationError);
});

test("maskUri hides passwords, even in URIs it cannot parse", () => {
  assert.equal(maskUri("amqp://guest:secret@localhost:5672/v"), "amqp://guest:***@localhost:5672/v");
  assert.equal(maskUri("amqp://localhost"), "amqp://localhost");
  assert.ok(!maskUri("amqp://u:se cret@bad host").includes("se cret"));
});

test("brokerKind: amqp, amqps and pyamqp URIs ask for AMQP, memory:// for the in-memory broker", () => {
  assert.equal(brokerKind("amqp://guest:guest@localhost"), "amqp");
  assert.equal(brokerKind("pyamqp://localhost/vh"), "amqp");
  assert.equal(brokerKind("amqps://localhost"), "amqp");
  assert.equal(brokerKind("memory://"), "memory");
  assert.throws(() => brokerKind("memory://host"), /write memory:\/\/ with no host or path/);
  assert.throws(() => brokerKind("redis://:pw@x"), /Unsupported broker URI redis:\/\/:\*\*\*@x/);
});

test("a config file may name the in-memory broker", () => {
  assert.deepEqual(parseConfig("AMQP_URI: memory://\n", { env: {} }), { AMQP_URI: "memory://" });
});

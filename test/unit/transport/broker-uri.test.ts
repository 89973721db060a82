import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig } from "../../../src/core/config-file.js";
import {
  brokerKind,
  maskUri,
  parseBrokerUri,
  parseBrokerUris,
  splitBrokerUris,
} from "../../../src/transport/broker-uri.js";
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

test("a broker list in kombu's syntax: each URI in order, a single URI is a list of one", () => {
  assert.deepEqual(splitBrokerUris("amqp://a"), ["amqp://a"]);
  assert.deepEqual(splitBrokerUris("amqp://a; amqp://b ;pyamqp://c"), ["amqp://a", "amqp://b", "pyamqp://c"]);
  const [a, b, c] = parseBrokerUris("amqp://u:p@a;amqps://v:q@b:5999/x;pyamqp://c");
  assert.deepEqual([a?.hostname, b?.hostname, c?.hostname], ["a", "b", "c"]);
  assert.deepEqual([a?.protocol, b?.protocol, c?.protocol], ["amqp", "amqps", "amqp"]);
  assert.deepEqual([b?.username, b?.password, b?.port], ["v", "q", 5999]);
  assert.equal(brokerKind("amqp://a;amqp://b"), "amqp");
});

test("a later URI without vhost or port keeps the previous one's, as kombu switches; credentials never", () => {
  const [a, b, c, d] = parseBrokerUris("amqp://u:p@a:5673/orders;amqp://b;amqp://c/;amqps://d");
  assert.deepEqual([a?.vhost, b?.vhost, c?.vhost, d?.vhost], ["orders", "orders", "orders", "orders"]);
  assert.deepEqual([a?.port, b?.port, c?.port], [5673, 5673, 5673]);
  assert.equal(d?.port, 5671, "a port is kept only within one scheme");
  assert.deepEqual([b?.username, b?.password], ["guest", "guest"]);
  const [, other] = parseBrokerUris("amqp://a/one;amqp://b:5674/two");
  assert.deepEqual([other?.vhost, other?.port], ["two", 5674]);
  // The first URI is read as on its own: no path is vhost /.
  assert.equal(parseBrokerUris("amqp://a;amqp://b/x")[0]?.vhost, "/");
});

test("a bad broker list is a configuration error that shows no password", () => {
  for (const bad of ["amqp://u:secret@a;", "amqp://u:secret@a;;amqp://b", ";amqp://u:secret@a"]) {
    assert.throws(
      () => brokerKind(bad),
      (e: unknown) =>
        e instanceof ConfigurationError &&
        /an entry is empty/.test(e.message) &&
        !e.message.includes("secret"),
      bad,
    );
  }
  assert.throws(
    () => brokerKind("amqp://u:secret@a;memory://"),
    (e: unknown) =>
      e instanceof ConfigurationError &&
      /cannot be part of a list/.test(e.message) &&
      !e.message.includes("secret"),
  );
  assert.throws(
    () => brokerKind("amqp://a;http://u:secret@b"),
    (e: unknown) => e instanceof ConfigurationError && !e.message.includes("secret"),
  );
});

test("a ; inside a password keeps the URI whole, as before broker lists", () => {
  assert.deepEqual(splitBrokerUris("amqp://u:pa;ss@rabbit/v"), ["amqp://u:pa;ss@rabbit/v"]);
  const [address, ...rest] = parseBrokerUris("amqp://u:pa;ss@rabbit/v");
  assert.deepEqual(
    [address?.password, address?.hostname, address?.vhost, rest.length],
    ["pa;ss", "rabbit", "v", 0],
  );
  assert.equal(brokerKind("amqp://u:pa;ss@rabbit/v"), "amqp");
});

test("maskUri hides the password of every URI in a list", () => {
  assert.equal(
    maskUri("amqp://u:one@a/v;amqp://b;amqps://w:two@c:5671"),
    "amqp://u:***@a/v;amqp://b;amqps://w:***@c:5671",
  );
  // A ";" inside a password is not a separator: the whole is masked as one URI.
  assert.ok(!maskUri("amqp://u:pa;ss@a").includes("pa;ss"));
});

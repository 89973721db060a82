import assert from "node:assert/strict";
import { test } from "node:test";
import { AmqpTransport } from "../../../src/amqp/amqp-transport.js";
import { ConfigurationError, MemoryBroker, silentLogger } from "../../../src/index.js";
import { createTransport } from "../../../src/runtime/create-transport.js";
import { MemoryTransport } from "../../../src/transport/memory/memory-transport.js";

test("memory:// gives a MemoryTransport on the given broker, or a new one", async () => {
  const broker = new MemoryBroker();
  const a = createTransport("memory://", { memoryBroker: broker, logger: silentLogger });
  const b = createTransport("memory:///", { memoryBroker: broker, logger: silentLogger });
  const c = createTransport("MEMORY://", { logger: silentLogger });
  assert.ok(a instanceof MemoryTransport && b instanceof MemoryTransport && c instanceof MemoryTransport);
  assert.equal(a.broker, broker);
  assert.equal(b.broker, broker);
  assert.notEqual(c.broker, broker);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test("amqp://, amqps:// and pyamqp:// give an AmqpTransport", async () => {
  for (const uri of ["amqp://guest:secret@127.0.0.1:1/", "pyamqp://127.0.0.1:1", "amqps://127.0.0.1:1"]) {
    const transport = createTransport(uri, { logger: silentLogger, backoff: { initialDelayMs: 10_000 } });
    try {
      assert.ok(transport instanceof AmqpTransport, uri);
      assert.ok(!transport.description.includes("secret"));
    } finally {
      await transport.close(); // it would go on trying to connect
    }
  }
});

test("refuses other schemes and memory:// with a host or path", () => {
  assert.throws(
    () => createTransport("redis://localhost"),
    (err: unknown) => {
      assert.ok(err instanceof ConfigurationError);
      assert.match(err.message, /use amqp:\/\/, amqps:\/\/, pyamqp:\/\/ or memory:\/\//);
      return true;
    },
  );
  assert.throws(() => createTransport("localhost"), ConfigurationError);
  assert.throws(() => createTransport("memory://cluster-a"), /same MemoryBroker/);
});

/**
 * Queue types: config `QUEUE_TYPE` and the entrypoints' `queueType` over `memory://`, which keeps
 * RabbitMQ's rules (quorum queues are durable, not exclusive, not auto-delete; a queue keeps its
 * type), and the startup error a changed type gives.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import {
  type Config,
  ConfigurationError,
  consume,
  eventHandler,
  MemoryBroker,
  QueueTypeMismatch,
  rpc,
  runServices,
  service,
  silentLogger,
} from "../../../src/index.js";
import { MemoryTransport } from "../../../src/transport/memory/memory-transport.js";
import { canBeQuorum, queueTypeMismatch, withQueueType } from "../../../src/transport/queue-type.js";
import { rpcQueue } from "../../../src/wire/names.js";

function name(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

function makeService(svc: string, source: string, queue: string) {
  @service(svc)
  class Typed {
    @rpc
    ping() {
      return "pong";
    }

    @eventHandler(source, "pooled")
    onPooled(_payload: unknown) {}

    @eventHandler(source, "broadcast", { handlerType: "broadcast", reliableDelivery: false })
    onBroadcast(_payload: unknown) {}

    @eventHandler(source, "transient", { reliableDelivery: false })
    onTransient(_payload: unknown) {}

    @eventHandler(source, "classic", { queueType: "classic" })
    onClassic(_payload: unknown) {}

    @consume({ queue })
    onMessage(_body: unknown) {}
  }
  return Typed;
}

async function typesOf(config: Config): Promise<Record<string, string | undefined>> {
  const [svc, source, queue] = [name("typed"), name("src"), name("plain")];
  const broker = new MemoryBroker();
  const runner = await runServices([makeService(svc, source, queue)], {
    memoryBroker: broker,
    config: { AMQP_URI: "memory://", ...config },
    logger: silentLogger,
  });
  try {
    const typeOf = (queueName: string) => broker.queue(queueName)?.type;
    const broadcast = broker.queueNames.find((q) => q.startsWith(`evt-${source}-broadcast--`));
    return {
      rpc: typeOf(`rpc-${svc}`),
      pooled: typeOf(`evt-${source}-pooled--${svc}.onPooled`),
      broadcast: broadcast === undefined ? undefined : typeOf(broadcast),
      transient: typeOf(`evt-${source}-transient--${svc}.onTransient`),
      classic: typeOf(`evt-${source}-classic--${svc}.onClassic`),
      consume: typeOf(queue),
    };
  } finally {
    await runner.stop();
  }
}

test("QUEUE_TYPE quorum makes the durable queues quorum; exclusive and auto-delete ones stay classic", async () => {
  assert.deepEqual(await typesOf({ QUEUE_TYPE: "quorum" }), {
    rpc: "quorum",
    pooled: "quorum",
    broadcast: "classic",
    transient: "classic",
    classic: "classic", // the entrypoint's own queueType wins over the config
    consume: "quorum",
  });
  const classic = await typesOf({});
  assert.ok(
    Object.values(classic).every((type) => type === "classic"),
    JSON.stringify(classic),
  );
});

test("QUEUE_TYPE classic declares as Nameko does: no x-queue-type argument at all", () => {
  const queue = rpcQueue("svc");
  assert.equal(withQueueType(queue, "classic"), queue);
  assert.deepEqual(withQueueType(queue, "quorum").arguments, { "x-queue-type": "quorum" });
  assert.equal(canBeQuorum(queue), true);
  assert.equal(canBeQuorum({ ...queue, autoDelete: true }), false);
  assert.equal(canBeQuorum({ ...queue, exclusive: true }), false);
  assert.equal(canBeQuorum({ ...queue, durable: false }), false);
});

test("a bad QUEUE_TYPE or queueType is a configuration error", async () => {
  assert.throws(
    () => eventHandler("src", "evt", { queueType: "stream" as never }),
    (err: unknown) =>
      err instanceof ConfigurationError && /queueType must be "classic" or "quorum"/.test(err.message),
  );
  assert.throws(() => consume({ queue: "q" }, { queueType: "lazy" as never }), ConfigurationError);
  await assert.rejects(
    runServices([makeService(name("svc"), "src", name("q"))], {
      config: { AMQP_URI: "memory://", QUEUE_TYPE: "quorate" as never },
      logger: silentLogger,
    }),
    /QUEUE_TYPE.*must be "classic" \(as Nameko\) or "quorum"/,
  );
});

test('queueType "quorum" on a queue that cannot be quorum is a configuration error at start', async () => {
  @service(name("bad"))
  class Bad {
    @eventHandler("src", "evt", { reliableDelivery: false, queueType: "quorum" })
    onEvt(_payload: unknown) {}
  }
  await assert.rejects(
    runServices([Bad], { config: { AMQP_URI: "memory://" }, logger: silentLogger }),
    (err: unknown) =>
      err instanceof ConfigurationError &&
      /cannot be a quorum queue.*reliableDelivery true/.test(err.message),
  );
});

test("a queue that exists with another type fails the start with QueueTypeMismatch, naming queue and fix", async () => {
  const svc = name("moved");
  const broker = new MemoryBroker();
  const other = new MemoryTransport({ broker, logger: silentLogger });
  const consumer = await other.consume({
    queue: rpcQueue(svc),
    bindings: [],
    prefetch: 1,
    onMessage: () => undefined,
  });
  await consumer.close();
  @service(svc)
  class Moved {
    @rpc
    ping() {
      return "pong";
    }
  }
  try {
    await assert.rejects(
      runServices([Moved], {
        memoryBroker: broker,
        config: { AMQP_URI: "memory://", QUEUE_TYPE: "quorum" },
        logger: silentLogger,
      }),
      (err: unknown) => {
        assert.ok(err instanceof QueueTypeMismatch, String(err));
        assert.ok(err instanceof ConfigurationError);
        assert.equal(err.queue, `rpc-${svc}`);
        assert.equal(err.declared, "quorum");
        assert.equal(err.current, undefined);
        assert.match(
          err.message,
          new RegExp(`queue 'rpc-${svc}' in vhost '/' is a queue created without a type`),
        );
        assert.match(err.message, /delete_queue -p '\/' 'rpc-/);
        return true;
      },
    );
  } finally {
    await other.close();
  }
});

test("RabbitMQ's three wordings of a type mismatch are recognised; other errors are not", () => {
  const wordings: Array<[string, string | undefined, string | undefined]> = [
    [
      "inequivalent arg 'x-queue-type' for queue 'rpc-a' in vhost 'v': received none but current is the value 'quorum' of type 'longstr'",
      undefined,
      "quorum",
    ],
    [
      "inequivalent arg 'x-queue-type' for queue 'rpc-a' in vhost 'v': received the value 'quorum' of type 'longstr' but current is none",
      "quorum",
      undefined,
    ],
    [
      "inequivalent arg 'x-queue-type' for queue 'rpc-a' in vhost 'v': received 'classic' but current is 'quorum'",
      "classic",
      "quorum",
    ],
  ];
  for (const [text, declared, current] of wordings) {
    const err = queueTypeMismatch(
      new Error(
        `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ${text}"`,
      ),
    );
    assert.ok(err !== undefined, text);
    assert.deepEqual([err.queue, err.vhost, err.declared, err.current], ["rpc-a", "v", declared, current]);
  }
  assert.equal(
    queueTypeMismatch(new Error("inequivalent arg 'durable' for queue 'q' in vhost '/'")),
    undefined,
  );
  assert.equal(queueTypeMismatch("not an error"), undefined);
});

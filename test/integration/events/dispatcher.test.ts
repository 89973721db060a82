import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  type Cluster,
  type Config,
  connect,
  eventDispatcher,
  eventHandler,
  type Logger,
  RemoteError,
  rpc,
  runServices,
  type ServiceClass,
  type ServiceRunner,
  service,
  silentLogger,
  UndeliverableMessage,
} from "../../../src/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { captureLogger } from "../../support/logs.js";
import { listBroker } from "../../support/queues.js";
import { closeIfOpened } from "../../support/resources.js";
import { waitFor } from "../../support/wait.js";

const vhost = vhostOf(brokerUri());
const runners: ServiceRunner[] = [];
let cluster: Cluster;

async function run(cls: ServiceClass, logger: Logger = silentLogger, config: Config = {}): Promise<void> {
  runners.push(await runServices([cls], { config: { AMQP_URI: brokerUri(), ...config }, logger }));
}

function exchange(name: string) {
  return listBroker("exchanges", vhost, ["name", "type", "durable", "auto_delete"]).find(
    (e) => e.name === name,
  );
}

before(async () => {
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await cluster?.close();
  await Promise.all(runners.map((r) => r.stop()));
});

function emitter(name: string, unroutable?: "warn" | "throw") {
  @service(name)
  class Emitter {
    dispatch = eventDispatcher<{ happened: { n: number } }>(unroutable ? { unroutable } : {});
    @rpc
    async emit(n: number) {
      await this.dispatch("happened", { n });
    }
  }
  return Emitter;
}

test("the service's exchange is declared at start; events reach handlers", async () => {
  const name = uniqueName("emitter");
  await run(emitter(name));
  assert.deepEqual(exchange(`${name}.events`), {
    name: `${name}.events`,
    type: "topic",
    durable: true,
    auto_delete: false,
  });
  const seen: unknown[] = [];
  @service(uniqueName("listener"))
  class Listener {
    @eventHandler(name, "happened")
    handle(payload: unknown) {
      seen.push(payload);
    }
  }
  await run(Listener);
  await cluster.service<InstanceType<ReturnType<typeof emitter>>>(name).emit(5);
  await waitFor(() => seen.length === 1, "the event");
  assert.deepEqual(seen, [{ n: 5 }]);
});

test("an event no queue receives is logged as a warning naming it, or thrown if configured", async () => {
  const warned = uniqueName("unheard");
  const logger = captureLogger();
  await run(emitter(warned), logger);
  await cluster.service<InstanceType<ReturnType<typeof emitter>>>(warned).emit(1);
  assert.ok(
    logger.lines.some(
      (l) => l.level === "warn" && l.msg.includes(`${warned}.happened`) && /no queue/.test(l.msg),
    ),
  );

  const strict = uniqueName("strict");
  await run(emitter(strict, "throw"));
  await assert.rejects(
    cluster.service<InstanceType<ReturnType<typeof emitter>>>(strict).emit(1),
    (err: unknown) => err instanceof RemoteError && err.excType === "UndeliverableMessage",
  );
});

test("the standalone dispatcher declares the exchange, so dispatching before any handler works", async () => {
  const source = uniqueName("fresh");
  assert.equal(exchange(`${source}.events`), undefined);
  await cluster.dispatchEvent(source, "happened", { n: 1 });
  assert.deepEqual(exchange(`${source}.events`), {
    name: `${source}.events`,
    type: "topic",
    durable: true,
    auto_delete: false,
  });
  await using strict = await connect({ uri: brokerUri(), logger: silentLogger, unroutableEvents: "throw" });
  await assert.rejects(strict.dispatchEvent(source, "happened", { n: 2 }), UndeliverableMessage);
});

test("AUTO_DELETE_EVENT_EXCHANGES declares auto-delete event exchanges", async () => {
  const source = uniqueName("auto");
  @service(uniqueName("auto_listener"))
  class AutoListener {
    @eventHandler(source, "happened")
    handle() {}
  }
  await run(AutoListener, silentLogger, { AUTO_DELETE_EVENT_EXCHANGES: true });
  assert.equal(exchange(`${source}.events`)?.auto_delete, true);
});

test("DECLARE_EVENT_EXCHANGES: false declares no event exchange", async () => {
  const source = uniqueName("undeclared");
  @service(uniqueName("undeclared_listener"))
  class Undeclared {
    @eventHandler(source, "happened")
    handle() {}
  }
  const config = { AMQP_URI: brokerUri(), DECLARE_EVENT_EXCHANGES: false };
  // The exchange does not exist and nobody declares it: binding the handler's queue fails.
  await assert.rejects(
    closeIfOpened(runServices([Undeclared], { config, logger: silentLogger })),
    /NOT_FOUND/,
  );
  assert.equal(exchange(`${source}.events`), undefined);

  // Once it exists, the handler binds to it.
  await cluster.dispatchEvent(source, "happened", {});
  await run(Undeclared, silentLogger, { DECLARE_EVENT_EXCHANGES: false });
  assert.equal(exchange(`${source}.events`)?.name, `${source}.events`);
  await assert.rejects(
    closeIfOpened(
      connect({ uri: brokerUri(), logger: silentLogger, config: { DECLARE_EVENT_EXCHANGES: "no" as never } }),
    ),
    /DECLARE_EVENT_EXCHANGES must be true or false/,
  );
});

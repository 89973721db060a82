/**
 * Log lines written inside a worker carry its call id and its caller's: through the `logger()` a
 * service declares, and Enoki's own worker lines.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, logger, rpc, rpcProxy, runServices, service } from "../../../src/index.js";
import { MemoryBroker } from "../../../src/transport/memory/memory-broker.js";
import { captureLogger, type LogLine } from "../../support/logs.js";

@service("log_inner")
class Inner {
  log = logger();

  @rpc
  work() {
    this.log.info({ step: 1 }, "working");
    throw new Error("broken");
  }
}

@service("log_outer")
class Outer {
  log = logger();
  inner = rpcProxy<Inner>("log_inner");

  @rpc
  async start() {
    this.log.info("starting");
    await this.inner.work().catch(() => undefined);
  }
}

test("a service's log lines and Enoki's worker lines carry callId and parentCallId", async () => {
  const lines: LogLine[] = [];
  const broker = new MemoryBroker();
  const config = { AMQP_URI: "memory://" };
  await using _runner = await runServices([Outer, Inner], {
    config,
    memoryBroker: broker,
    logger: captureLogger(lines),
  });
  await using cluster = await connect({ config, memoryBroker: broker, logger: captureLogger([]) });
  await cluster.rpc.log_outer!.start!();

  const starting = lines.find((l) => l.msg === "starting");
  const working = lines.find((l) => l.msg === "working");
  const failed = lines.find((l) => l.msg === "error in worker");
  assert.match(String(starting?.fields.callId), /^log_outer\.start\./);
  assert.match(String(starting?.fields.parentCallId), /^standalone_rpc_proxy\.call\./);
  assert.equal(starting?.fields.service, "log_outer");
  assert.match(String(working?.fields.callId), /^log_inner\.work\./);
  assert.equal(working?.fields.parentCallId, starting?.fields.callId, "the caller's call id");
  assert.equal(working?.fields.step, 1);
  assert.equal(failed?.fields.callId, working?.fields.callId, "Enoki's own line names the same call");
  assert.equal(failed?.fields.parentCallId, starting?.fields.callId);
});

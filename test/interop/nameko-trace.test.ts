/**
 * One trace through a Python Nameko 2.14 service in the middle (opt-in, as the interop tier:
 * NAMEKO_PATH). Enoki calls Nameko, whose worker calls Enoki back: plain Nameko, without any
 * tracing of its own, forwards the `nameko.traceparent` header Enoki sent with the calls it makes,
 * so the downstream Enoki span joins the upstream trace, parented to the upstream client span.
 * A trace context Nameko did not make (no SDK) is left exactly as the caller sent it.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Cluster,
  connect,
  rpc,
  rpcProxy,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
  workerContext,
} from "../../src/index.js";
import { createVhost } from "../support/broker.js";
import { type NamekoProcess, namekoPath, startNameko, stopNameko } from "../support/nameko-process.js";
import { only, registerTestTracing, spansUntil } from "../support/tracing.js";

const exporter = registerTestTracing();

/** The Enoki service Nameko's `py_interop` calls (test/support/nameko/interop_service.py). */
@service("ts_interop")
class TsInterop {
  py = rpcProxy("py_interop");
  ctx = workerContext();

  @rpc
  hello(name: string): string {
    return `Hello from TypeScript, ${name}! (trace ${this.ctx.traceIds?.traceId})`;
  }

  /** Calls Nameko, which calls `hello` back. */
  @rpc
  async viaPython(name: string): Promise<unknown> {
    return await this.py.greet_through_ts!(name);
  }
}

describe("a trace through Python Nameko", { skip: namekoPath ? false : "NAMEKO_PATH is not set" }, () => {
  let nameko: NamekoProcess | undefined;
  let runner: ServiceRunner | undefined;
  let cluster: Cluster | undefined;

  before(async () => {
    const { uri } = createVhost("enoki-interop-trace");
    nameko = await startNameko(uri);
    runner = await runServices([TsInterop], { config: { AMQP_URI: uri }, logger: silentLogger });
    cluster = await connect({ uri, logger: silentLogger });
  });
  after(async () => {
    await cluster?.close();
    await runner?.stop();
    await stopNameko(nameko);
  });

  test("Enoki → Nameko → Enoki stays one trace, the last Enoki span parented to the first", async () => {
    const greeting = String(await cluster!.rpc.ts_interop!.viaPython!("mixed"));
    const spans = await spansUntil(exporter, ["ts_interop.hello", "ts_interop.viaPython"]);
    const upstream = only(spans, "ts_interop.viaPython");
    const call = only(spans, "RPC to py_interop.greet_through_ts");
    const downstream = only(spans, "ts_interop.hello");
    assert.equal(call.parentSpanId, upstream.spanId);
    assert.equal(downstream.traceId, upstream.traceId, "one trace id across the Python hop");
    assert.equal(
      downstream.parentSpanId,
      call.spanId,
      "Nameko forwarded the context of Enoki's call: the downstream span is its child",
    );
    assert.ok(greeting.endsWith(`(trace ${upstream.traceId})`), greeting);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  consume,
  dependency,
  eventHandler,
  HttpRequest,
  type HttpResponse,
  http,
  rpc,
  service,
  timer,
  workerContext,
} from "../../../src/index.js";
import {
  createServices,
  EntrypointWaiterTimeout,
  ExtensionNotFound,
  entrypointHook,
  startServices,
} from "../../../src/testing/index.js";
import { Airports, Gateway, Trips } from "./travel.js";

const log: string[] = [];

/** Records its worker hooks in `log`. */
const recorder = () =>
  dependency<string>("recorder()", () => ({
    name: "recorder",
    get: (ctx) => ctx.method,
    workerSetup: (ctx) => void log.push(`setup ${ctx.method}`),
    workerResult: (ctx, outcome) => void log.push(`result ${ctx.method} ${outcome.ok}`),
    workerTeardown: (ctx) => void log.push(`teardown ${ctx.method}`),
  }));

@service("kinds")
class Kinds {
  recorder = recorder();
  ctx = workerContext();

  @rpc
  add(a: number, b: number) {
    log.push(`add ${this.recorder}`);
    return a + b;
  }

  @rpc
  whoami() {
    return { user: this.ctx.data.user_id, stack: this.ctx.callIdStack };
  }

  @rpc
  fail(message: string) {
    throw new RangeError(message);
  }

  @rpc
  async slow(ms: number) {
    await sleep(ms, undefined, { signal: this.ctx.signal }).catch(() => undefined);
    return ms;
  }

  // Ignores kills; its timer does not keep the test process alive.
  @rpc
  async hang() {
    await sleep(60_000, undefined, { ref: false });
  }

  @eventHandler("somewhere", "something")
  handle(payload: { n: number }) {
    return payload.n * 2;
  }

  @http("GET", "/double/<int:n>")
  double(request: HttpRequest, n: number) {
    return { path: request.path, n: n * 2 };
  }

  @timer({ interval: 3600 })
  tick() {
    return "ticked";
  }

  @consume({ queue: "kinds-inbox" })
  receive(body: string) {
    return body.toUpperCase();
  }
}

describe("entrypointHook", () => {
  test("runs an RPC method in a real worker: dependencies injected, worker hooks run", async () => {
    await using services = await startServices([Kinds]);
    log.length = 0;
    const add = entrypointHook(services.container(Kinds), "add");
    assert.equal(await add(2, 3), 5);
    assert.deepEqual(log, ["setup add", "add add", "result add true", "teardown add"]);
  });

  test("rejects with what the method threw, after teardown", async () => {
    await using services = await startServices([Kinds]);
    log.length = 0;
    const fail = entrypointHook(services.container(Kinds), "fail");
    await assert.rejects(
      fail("too big"),
      (err: unknown) => err instanceof RangeError && err.message === "too big",
    );
    assert.deepEqual(log, ["setup fail", "result fail false", "teardown fail"]);
  });

  test("context data reaches the worker", async () => {
    await using services = await startServices([Kinds]);
    const whoami = entrypointHook(services.container(Kinds), "whoami", {
      contextData: { user_id: "ada", call_id_stack: ["caller.method.1"] },
    });
    const seen = await whoami();
    assert.equal(seen.user, "ada");
    assert.equal(seen.stack[0], "caller.method.1");
    assert.match(String(seen.stack[1]), /^kinds\.whoami\./);
  });

  test("every entrypoint kind: event handler, HTTP, timer, consume", async () => {
    await using services = await startServices([Kinds]);
    const container = services.container(Kinds);
    assert.equal(await entrypointHook(container, "handle")({ n: 21 }), 42);
    const response = await entrypointHook(container, "double")(new HttpRequest({ url: "/double/4" }), 4);
    assert.deepEqual(response, { path: "/double/4", n: 8 });
    assert.equal(await entrypointHook(container, "tick")(), "ticked");
    assert.equal(await entrypointHook(container, "receive")("hello"), "HELLO");
  });

  test("dependencies that call other services work: the gateway through airports", async () => {
    await using services = await startServices([Gateway, Airports, Trips]);
    const airport = entrypointHook(services.container(Gateway), "airport");
    const response = (await airport(new HttpRequest(), "LHR")) as HttpResponse;
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(String(response.body)), { id: "LHR", name: "Airport LHR" });
  });

  test("a method without an entrypoint is ExtensionNotFound, at once", async () => {
    await using services = await startServices([Airports]);
    assert.throws(
      // @ts-expect-error: Airports has no method "list"
      () => entrypointHook(services.container(Airports), "list"),
      (err: unknown) =>
        err instanceof ExtensionNotFound &&
        err.message === "airports has no entrypoint on list (its entrypoints: get)",
    );
  });

  test("a container that is not running is refused", async () => {
    await using services = createServices([Airports]);
    const get = entrypointHook(services.container(Airports), "get");
    await assert.rejects(
      get("LHR"),
      /^Error: Cannot run airports\.get: the container is created, not running$/,
    );
    await services.start();
    assert.deepEqual(await get("LHR"), { id: "LHR", name: "Airport LHR" });
    await services.stop();
    await assert.rejects(get("LHR"), /the container is stopped/);
  });

  test("a call that takes too long fails with EntrypointWaiterTimeout", async () => {
    await using services = await startServices([Kinds]);
    const slow = entrypointHook(services.container(Kinds), "slow", { timeoutMs: 50 });
    await assert.rejects(
      slow(2_000),
      (err: unknown) =>
        err instanceof EntrypointWaiterTimeout &&
        err.message === "Timeout on kinds.slow after 50 ms (the worker still runs)",
    );
    await services.kill(); // the worker is abandoned, not waited for
  });

  test("a container killed while the worker runs rejects the call with the kill's reason", async () => {
    await using services = await startServices([Kinds]);
    const container = services.container(Kinds);
    const call = entrypointHook(container, "hang")();
    await sleep(20);
    await container.kill(new Error("pulled the plug"));
    await assert.rejects(call, /pulled the plug/);
  });
});

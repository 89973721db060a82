import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { http, MethodNotFound, rpc, service, timer, UnknownService } from "../../../src/index.js";
import { createServices, ExtensionNotFound, restrictEntrypoints } from "../../../src/testing/index.js";

let ticks = 0;

@service("mixed")
class Mixed {
  @rpc
  a() {
    return "a";
  }

  @rpc
  b() {
    return "b";
  }

  @timer({ interval: 0.01, eager: true })
  tick() {
    ticks++;
  }

  @http("GET", "/c")
  c() {
    return "c";
  }
}

describe("restrictEntrypoints", () => {
  test("only the named entrypoints run: no other RPC method, no timer, no HTTP server", async () => {
    await using services = createServices([Mixed]);
    restrictEntrypoints(services.container(Mixed), "a");
    await services.start();
    ticks = 0;
    assert.equal(await services.service(Mixed).a(), "a");
    await assert.rejects(services.service(Mixed).b(), MethodNotFound);
    await sleep(50);
    assert.equal(ticks, 0);
    assert.throws(() => services.httpUrl, /No HTTP server/);
  });

  test("with no RPC entrypoint left, the RPC queue is not consumed at all", async () => {
    await using services = createServices([Mixed]);
    const container = services.container(Mixed);
    restrictEntrypoints(container, "c");
    assert.deepEqual(
      container.sharedExtensions.map((e) => e.name),
      ["http server 127.0.0.1:0"],
    );
    await services.start();
    await assert.rejects(services.service(Mixed).a(), UnknownService);
    const response = await fetch(`${services.httpUrl}/c`);
    assert.equal(await response.text(), "c");
  });

  test("unknown names are ExtensionNotFound; only before start", async () => {
    await using services = createServices([Mixed]);
    const container = services.container(Mixed);
    assert.throws(
      // @ts-expect-error: Mixed has no method "d"
      () => restrictEntrypoints(container, "a", "d"),
      (err: unknown) =>
        err instanceof ExtensionNotFound &&
        err.message === "mixed has no entrypoint on d (its entrypoints: a, b, tick, c)",
    );
    assert.equal(container.entrypoints.length, 4);
    await services.start();
    assert.throws(() => restrictEntrypoints(container, "a"), /before the container starts: mixed is running/);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ServiceContainer } from "../../../src/core/container.js";
import type { Transport } from "../../../src/extension.js";
import type { HttpEntrypoint } from "../../../src/http/http.js";
import {
  ConfigurationError,
  dependency,
  type HttpRequest,
  http,
  service,
  silentLogger,
} from "../../../src/index.js";

// HTTP-only services never touch the broker: the container only needs something to hold.
const transport = { description: "none", status: "connected" } as unknown as Transport;

function container(cls: new () => object, config: Record<string, unknown> = {}) {
  return new ServiceContainer(cls, {
    transport,
    logger: silentLogger,
    config: { WEB_SERVER_ADDRESS: "127.0.0.1:0", ...config },
  });
}

function isConfigError(pattern: RegExp) {
  return (e: unknown) => e instanceof ConfigurationError && pattern.test(e.message);
}

describe("@http declaration", () => {
  test("methods are parsed, upper-cased and checked", () => {
    @service("m")
    class M {
      @http("get, Post", "/a")
      a() {}
      @http(["PUT", "PATCH", "PUT"], "/b")
      b() {}
    }
    const eps = container(M).entrypoints as HttpEntrypoint[];
    assert.deepEqual(eps[0]?.methods, ["GET", "POST"]);
    assert.deepEqual(eps[1]?.methods, ["PUT", "PATCH"]);
    assert.match(eps[0]?.name ?? "", /http GET,POST \/a \(m\.a\)/);
  });

  test("an unknown method or no method is refused when the class is declared", () => {
    assert.throws(() => http("FETCH", "/a"), isConfigError(/unknown HTTP method "FETCH"/));
    assert.throws(() => http(" , ", "/a"), isConfigError(/at least one method/));
  });

  test("a bad rule is refused when the class is declared", () => {
    assert.throws(() => http("GET", "/a/<wat:x>"), isConfigError(/unknown converter wat/));
  });

  test("variables naming only some parameters are refused", () => {
    assert.throws(
      () => {
        @service("partial")
        class Partial {
          @http("GET", "/<a>/<b>")
          get(_request: HttpRequest, a: string, c: string) {
            return a + c;
          }
        }
        return Partial;
      },
      isConfigError(/must all be parameters of get \(missing: b\)/),
    );
  });

  test("a handler whose first parameter is a rule variable is refused (it would get the request)", () => {
    assert.throws(
      () => {
        @service("no_request")
        class NoRequest {
          @http("GET", "/m/<int:id>")
          m(id: number) {
            return { id };
          }
        }
        return NoRequest;
      },
      isConfigError(
        /first parameter receives the request, but "id" is a variable of the rule: write m\(request, id\)/,
      ),
    );
  });
});

describe("route conflicts", () => {
  test("two services serving the same method and rule fail at setup", async () => {
    @service("one")
    class One {
      @http("GET", "/same/<x>")
      get() {}
    }
    @service("two")
    class Two {
      @http("GET,POST", "/same/<y>")
      get() {}
    }
    const shared = new Map<string, unknown>();
    const make = (cls: new () => object) =>
      new ServiceContainer(cls, {
        transport,
        logger: silentLogger,
        runnerShared: shared,
        config: { WEB_SERVER_ADDRESS: "127.0.0.1:0" },
      });
    const a = make(One);
    const b = make(Two);
    await a.start();
    try {
      await assert.rejects(
        b.start(),
        isConfigError(/^Route GET \/same\/<y> of two\.get is already served by one\.get \(\/same\/<x>\)$/),
      );
      assert.equal(b.state, "killed");
      assert.equal(a.state, "running");
    } finally {
      await b.kill(); // a no-op once its start failed, as it must
      await a.stop();
    }
  });

  test("an explicit HEAD route takes over the automatic one", async () => {
    @service("heads")
    class Heads {
      @http("GET", "/h")
      get() {
        return "get";
      }
      @http("HEAD", "/h")
      head() {
        return [200, { "x-head": "explicit" }, ""];
      }
    }
    const c = container(Heads);
    await c.start();
    try {
      const port = (c.entrypoints[0] as HttpEntrypoint).server.address?.port;
      const res = await fetch(`http://127.0.0.1:${port}/h`, { method: "HEAD" });
      assert.equal(res.headers.get("x-head"), "explicit");
    } finally {
      await c.stop();
    }
  });

  test("rules that find-my-way cannot tell apart get a clear error", async () => {
    @service("clash")
    class Clash {
      @http("GET", "/x/<int:id>")
      a() {}
      @http("GET", "/x/<uuid:id>")
      b() {}
    }
    const c = container(Clash);
    try {
      await assert.rejects(
        c.start(),
        isConfigError(
          /GET \/x\/<uuid:id> of clash\.b is already served by clash\.a \(\/x\/<int:id>\): two variables with patterns/,
        ),
      );
    } finally {
      await c.kill(); // a no-op once its start failed, as it must
    }
  });

  test("an address in use fails start, naming the config key", async () => {
    @service("first")
    class First {
      @http("GET", "/")
      a() {}
    }
    const a = container(First);
    await a.start();
    try {
      const port = (a.entrypoints[0] as HttpEntrypoint).server.address?.port;
      const b = container(First, { WEB_SERVER_ADDRESS: `127.0.0.1:${port}` });
      try {
        await assert.rejects(
          b.start(),
          isConfigError(/Cannot listen for HTTP on 127\.0\.0\.1:\d+ \(WEB_SERVER_ADDRESS\)/),
        );
      } finally {
        await b.kill(); // a no-op once its start failed, as it must
      }
    } finally {
      await a.stop();
    }
  });

  test("invalid HTTP settings are refused", () => {
    @service("cfg")
    class Cfg {
      @http("GET", "/")
      a() {}
    }
    assert.throws(
      () => container(Cfg, { WEB_SERVER_ADDRESS: "localhost" }),
      isConfigError(/WEB_SERVER_ADDRESS must be an address/),
    );
    assert.throws(() => container(Cfg, { HTTP_MAX_BODY_BYTES: -1 }), isConfigError(/HTTP_MAX_BODY_BYTES/));
    assert.throws(() => container(Cfg, { HTTP_HEADERS_TIMEOUT: 0 }), isConfigError(/more than 0 seconds/));
    assert.throws(
      () => container(Cfg, { HTTP_HEADERS_TIMEOUT: 60 }),
      isConfigError(/must not exceed HTTP_REQUEST_TIMEOUT/),
    );
  });
});

describe("server lifecycle", () => {
  test("a container killed while its server starts listening does not leave it open", async () => {
    const failing = () =>
      dependency<number>("failing()", () => ({
        name: "failing",
        get: () => 1,
        start: () => Promise.reject(new Error("cannot start")),
      }));
    @service("doomed")
    class Doomed {
      broken = failing();
      @http("GET", "/")
      a() {}
    }
    const c = container(Doomed);
    await assert.rejects(c.start(), /cannot start/);
    const server = (c.entrypoints[0] as HttpEntrypoint).server;
    for (let i = 0; i < 50 && server.address !== undefined; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.address, undefined);
  });
});

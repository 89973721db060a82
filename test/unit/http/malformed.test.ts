/**
 * Malformed input at the HTTP boundary: every bad request gets the right 4xx with a JSON body,
 * nothing crashes, and the server keeps serving. Over the in-memory transport (no broker involved).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEFAULTS } from "../../../src/core/config-keys.js";
import {
  BadRequest,
  type HttpRequest,
  http,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../../src/index.js";
import { httpBase, portOf, type RawResponse, rawHttp } from "../../support/http.js";

class MissingField extends BadRequest {}

function makeApi(name: string) {
  @service(name)
  class Api {
    @http("POST", "/trips")
    create(request: HttpRequest) {
      const trip = request.json<{ from?: unknown; to?: unknown }>();
      if (typeof trip.from !== "string" || typeof trip.to !== "string") {
        throw new MissingField("from and to are required strings");
      }
      return [201, { ...trip }];
    }

    @http("POST", "/size")
    size(request: HttpRequest) {
      return String(request.body.length);
    }

    @http("GET", "/ping")
    ping() {
      return "pong";
    }

    @http("GET", "/slow")
    async slow() {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return "slow but fine";
    }
  }
  return Api;
}

const name = "api";
const defaultsName = "defaults";
let runner: ServiceRunner;
let defaults: ServiceRunner;
let port: number;

before(async () => {
  runner = await runServices([makeApi(name)], {
    config: {
      AMQP_URI: "memory://",
      WEB_SERVER_ADDRESS: "127.0.0.1:0",
      HTTP_MAX_BODY_BYTES: 1024,
      HTTP_HEADERS_TIMEOUT: 0.5,
      HTTP_REQUEST_TIMEOUT: 1,
      HTTP_MAX_HEADERS: 20,
      HTTP_MAX_HEADER_BYTES: 4096,
    },
    logger: silentLogger,
  });
  port = portOf(httpBase(runner, name));
  // Default limits, to check the documented ones hold.
  defaults = await runServices([makeApi(defaultsName)], {
    config: { AMQP_URI: "memory://", WEB_SERVER_ADDRESS: "127.0.0.1:0" },
    logger: silentLogger,
  });
});
after(async () => {
  await runner?.stop();
  await defaults?.stop();
});

function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const length = Buffer.byteLength(body);
  const head = Object.entries({ "content-length": String(length), ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  return Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${head}\r\n`),
    Buffer.from(body),
  ]);
}

function send(data: string | Buffer, wait?: number, to = port): Promise<RawResponse> {
  return rawHttp(to, (s) => s.write(data), wait);
}

function expectError(r: RawResponse, status: number, error: string): void {
  assert.equal(r.status, status, r.raw.slice(0, 300));
  assert.equal(r.headers["content-type"], "application/json");
  const body = JSON.parse(r.body) as { error: string; message: string };
  assert.equal(body.error, error);
  assert.equal(typeof body.message, "string");
}

/** The server still answers a good request. */
async function stillServing(): Promise<void> {
  const r = await send("GET /ping HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  assert.equal(r.status, 200);
  assert.equal(r.body, "pong");
}

describe("bad bodies", () => {
  test("invalid JSON → the handler's 400", async () => {
    const r = await send(post("/trips", '{"from": "LHR",'));
    expectError(r, 400, "BadRequest");
    assert.match(JSON.parse(r.body).message, /not valid JSON/);
    await stillServing();
  });

  test("missing fields → the handler's 400", async () => {
    const r = await send(post("/trips", '{"from": "LHR"}'));
    expectError(r, 400, "MissingField");
    assert.equal(JSON.parse(r.body).message, "from and to are required strings");
    await stillServing();
  });

  test("an empty body where JSON is expected → 400", async () => {
    expectError(await send(post("/trips", "")), 400, "BadRequest");
    await stillServing();
  });

  test("invalid UTF-8 → 400", async () => {
    const r = await send(
      post("/trips", Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), {
        "content-type": "application/json",
      }),
    );
    expectError(r, 400, "BadRequest");
    assert.match(JSON.parse(r.body).message, /not valid UTF-8/);
    await stillServing();
  });

  test("a valid request still works", async () => {
    const r = await send(post("/trips", '{"from":"LHR","to":"CDG"}'));
    assert.equal(r.status, 201);
    assert.deepEqual(JSON.parse(r.body), { from: "LHR", to: "CDG" });
  });
});

describe("oversize bodies → 413", () => {
  test("a body of exactly the limit is accepted", async () => {
    const r = await send(post("/size", "x".repeat(1024)));
    assert.equal(r.status, 200);
    assert.equal(r.body, "1024");
  });

  test("a declared Content-Length over the limit", async () => {
    const r = await send(post("/size", "x".repeat(1025)));
    expectError(r, 413, "PayloadTooLarge");
    assert.equal(r.headers.connection, "close");
    await stillServing();
  });

  test("a chunked body that grows over the limit", async () => {
    const r = await rawHttp(port, (s) => {
      s.write("POST /size HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (let i = 0; i < 4; i++) s.write(`200\r\n${"y".repeat(512)}\r\n`);
    });
    expectError(r, 413, "PayloadTooLarge");
    await stillServing();
  });

  test("Expect: 100-continue with an oversize length is refused before the body is sent", async () => {
    const r = await send(
      "POST /size HTTP/1.1\r\nHost: test\r\nContent-Length: 100000000\r\nExpect: 100-continue\r\n\r\n",
    );
    expectError(r, 413, "PayloadTooLarge");
    assert.doesNotMatch(r.raw, /100 Continue/);
    await stillServing();
  });

  test("the default limit is 1 MiB", async () => {
    assert.equal(DEFAULTS.HTTP_MAX_BODY_BYTES, 1024 * 1024);
    const base = httpBase(defaults, defaultsName);
    const ok = await fetch(`${base}/size`, { method: "POST", body: "z".repeat(1024 * 1024) });
    assert.equal(await ok.text(), String(1024 * 1024));
    const big = await fetch(`${base}/size`, { method: "POST", body: "z".repeat(1024 * 1024 + 1) });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: string }).error, "PayloadTooLarge");
  });
});

describe("routes and methods", () => {
  test("unknown route → 404", async () => {
    expectError(await send("GET /nope HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"), 404, "NotFound");
    await stillServing();
  });

  test("unknown route with a body → 404", async () => {
    const r = await send(post("/nope", "x".repeat(100)));
    expectError(r, 404, "NotFound");
    await stillServing();
  });

  test("wrong method → 405 with Allow", async () => {
    const r = await send(post("/ping", "x"));
    expectError(r, 405, "MethodNotAllowed");
    assert.equal(r.headers.allow, "GET, HEAD");
    await stillServing();
  });

  test("invalid percent-encoding or UTF-8 in the path → 400", async () => {
    expectError(
      await send("GET /pi%zzng HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"),
      400,
      "BadRequest",
    );
    expectError(
      await send("GET /ping%FF HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"),
      400,
      "BadRequest",
    );
    await stillServing();
  });
});

describe("slow clients → 408", () => {
  test("headers that never finish", async () => {
    const r = await send("GET /ping HTTP/1.1\r\nHost: test\r\n", 5000);
    expectError(r, 408, "RequestTimeout");
    assert.ok(r.closedByServer);
    assert.ok(r.elapsedMs < 3000, `took ${r.elapsedMs} ms`);
    await stillServing();
  });

  test("a body that never finishes", async () => {
    const r = await send("POST /size HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nonly part", 5000);
    expectError(r, 408, "RequestTimeout");
    assert.ok(r.closedByServer);
    assert.ok(r.elapsedMs < 4000, `took ${r.elapsedMs} ms`);
    await stillServing();
  });

  test("a handler slower than the request timeout is not cut off", async () => {
    const r = await send("GET /slow HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    assert.equal(r.status, 200);
    assert.equal(r.body, "slow but fine");
  });
});

describe("headers → 431", () => {
  const headers = (n: number) => Array.from({ length: n }, (_, i) => `x-h${i}: v\r\n`).join("");

  test("too many headers", async () => {
    const r = await send(`GET /ping HTTP/1.1\r\nHost: test\r\n${headers(500)}\r\n`);
    expectError(r, 431, "RequestHeaderFieldsTooLarge");
    assert.match(JSON.parse(r.body).message, /at most 20 headers/);
    await stillServing();
  });

  test("the limit itself is fine", async () => {
    const r = await send(`GET /ping HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${headers(18)}\r\n`);
    assert.equal(r.status, 200);
  });

  test("headers too large", async () => {
    expectError(
      await send(`GET /ping HTTP/1.1\r\nHost: test\r\nx-big: ${"a".repeat(8000)}\r\n\r\n`),
      431,
      "RequestHeaderFieldsTooLarge",
    );
    await stillServing();
  });
});

describe("not HTTP → 400", () => {
  const garbage: [string, string][] = [
    ["a request line that is not HTTP", "HELLO THERE\r\n\r\n"],
    ["an unknown method", "BREW /ping HTTP/1.1\r\nHost: test\r\n\r\n"],
    ["a bad chunk size", "POST /size HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
    ["a header without a colon", "GET /ping HTTP/1.1\r\nHost: test\r\nnot a header\r\n\r\n"],
    ["no Host header", "GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n"],
    ["binary noise", "\u0000\u0001\u0002\u00ff\r\n\r\n"],
  ];
  for (const [what, data] of garbage) {
    test(what, async () => {
      expectError(await send(data), 400, "BadRequest");
      await stillServing();
    });
  }
});

test("a burst of bad requests, then the server still serves", async () => {
  const bad = Array.from({ length: 30 }, (_, i) =>
    i % 3 === 0
      ? send("HELLO\r\n\r\n")
      : i % 3 === 1
        ? send(post("/size", "x".repeat(5000)))
        : send(post("/trips", "{")),
  );
  const statuses = (await Promise.all(bad)).map((r) => r.status);
  assert.deepEqual(new Set(statuses), new Set([400, 413]));
  await stillServing();
});

test("the server listens where configured", () => {
  const base = new URL(httpBase(runner, name));
  assert.equal(base.hostname, "127.0.0.1");
});

/**
 * `@http` serving: routing, the request object, return values, errors and workers. Over the
 * in-memory transport: the broker plays no part in HTTP, beyond the one RPC call the gateway makes.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  BadRequest,
  dependency,
  HttpError,
  type HttpRequest,
  http,
  json,
  rpc,
  rpcProxy,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
  type WorkerContext,
} from "../../../src/index.js";
import { httpBase } from "../../support/http.js";

class UnknownAirport extends Error {}
class MissingField extends BadRequest {}

/** Injects the worker's own context, to look at what an HTTP worker starts with. */
const workerContext = () =>
  dependency<WorkerContext>("workerContext()", () => ({ name: "workerContext", get: (ctx) => ctx }));

function makeAirports(name: string) {
  @service(name)
  class Airports {
    @rpc
    get(id: string) {
      return { id, name: `Airport ${id}` };
    }
  }
  return Airports;
}

const running = { now: 0, max: 0 };

function makeGateway(name: string, airports: string) {
  @service(name)
  class Gateway {
    airports = rpcProxy(airports);
    ctx = workerContext();

    @http("GET", "/airport/<string:airportId>", { expectedErrors: [UnknownAirport] })
    async airport(_request: HttpRequest, airportId: string) {
      if (airportId === "XXX") throw new UnknownAirport(`No airport ${airportId}`);
      if (airportId === "404") throw new HttpError(404, `No airport ${airportId}`);
      return json(await this.airports.get!(airportId));
    }

    @http("GET", "/item/<int:id>")
    itemById(_request: HttpRequest, id: number) {
      return { kind: "int", id, type: typeof id };
    }

    @http("GET", "/item/<name>")
    itemByName(_request: HttpRequest, name: string) {
      return { kind: "string", name };
    }

    // Names match the variables: bound by name, whatever the order.
    @http("GET", "/pair/<a>/<int:b>")
    pair(_request: HttpRequest, b: number, a: string) {
      return { a, b };
    }

    // Names do not match: bound in rule order.
    @http("GET", "/ordered/<a>/<b>")
    ordered(_request: HttpRequest, first: string, second: string) {
      return { first, second };
    }

    @http("GET,POST", "/echo")
    echo(request: HttpRequest) {
      return {
        method: request.method,
        path: request.path,
        query: Object.fromEntries(request.query),
        header: request.headers["x-test"] ?? null,
        body: request.method === "POST" ? request.json() : null,
      };
    }

    @http("POST", "/trips")
    createTrip(request: HttpRequest) {
      const trip = request.json<{ from?: string; to?: string }>();
      if (!trip.from || !trip.to) throw new MissingField("from and to are required");
      return [201, { location: "/trips/1" }, { id: 1, ...trip }];
    }

    @http("GET", "/forms/<any(text, tuple, tuple3, response, nothing, bytes, bad):form>")
    forms(_request: HttpRequest, form: string) {
      switch (form) {
        case "text":
          return "plain";
        case "tuple":
          return [202, "accepted"];
        case "tuple3":
          return [200, { "x-extra": "1", "content-type": "text/csv" }, "a,b"];
        case "response":
          return json([1, 2], 207);
        case "nothing":
          return undefined;
        case "bytes":
          return Buffer.from([0, 1, 2]);
        default:
          return new Map();
      }
    }

    @http("GET", "/boom")
    boom() {
      throw new TypeError("secret: database password is hunter2");
    }

    @http("GET", "/context")
    context() {
      return { data: this.ctx.data, stack: this.ctx.callIdStack.length, callId: this.ctx.callId };
    }

    @http("GET", "/branch/")
    branch() {
      return "branch";
    }

    @http("GET", "/slow/<int:ms>")
    async slow(_request: HttpRequest, ms: number) {
      running.now++;
      running.max = Math.max(running.max, running.now);
      try {
        await sleep(ms);
        return `slept ${ms}`;
      } finally {
        running.now--;
      }
    }
  }
  return Gateway;
}

function makeOther(name: string) {
  @service(name)
  class Other {
    @http("GET", "/other")
    hello() {
      return "from the other service";
    }
  }
  return Other;
}

const airportsName = "airports";
const gatewayName = "gateway";
const otherName = "other";
let runner: ServiceRunner;
let base: string;

before(async () => {
  runner = await runServices(
    [makeAirports(airportsName), makeGateway(gatewayName, airportsName), makeOther(otherName)],
    {
      config: { AMQP_URI: "memory://", WEB_SERVER_ADDRESS: "127.0.0.1:0", max_workers: 2 },
      logger: silentLogger,
    },
  );
  base = httpBase(runner, gatewayName);
});
after(async () => {
  await runner?.stop();
});

async function get(path: string, init?: RequestInit) {
  const res = await fetch(`${base}${path}`, { redirect: "manual", ...init });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

describe("routing", () => {
  test("a handler calls another service over RPC and returns its JSON", async () => {
    const r = await get("/airport/LHR");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.deepEqual(r.json(), { id: "LHR", name: "Airport LHR" });
  });

  test("<int:> before <string:>; int values are numbers", async () => {
    assert.deepEqual((await get("/item/42")).json(), { kind: "int", id: 42, type: "number" });
    assert.deepEqual((await get("/item/abc")).json(), { kind: "string", name: "abc" });
  });

  test("variables bind by name when the names match, else in rule order", async () => {
    assert.deepEqual((await get("/pair/x/7")).json(), { a: "x", b: 7 });
    assert.deepEqual((await get("/ordered/x/y")).json(), { first: "x", second: "y" });
  });

  test("the request object: method, path, query, headers, JSON body", async () => {
    const r = await get("/echo?q=1&z=%C3%A9", {
      method: "POST",
      body: '{"a":[1]}',
      headers: { "x-test": "yes" },
    });
    assert.deepEqual(r.json(), {
      method: "POST",
      path: "/echo",
      query: { q: "1", z: "é" },
      header: "yes",
      body: { a: [1] },
    });
  });

  test("several methods per entrypoint; others get 405 with Allow", async () => {
    assert.equal((await get("/echo")).status, 200);
    const r = await get("/echo", { method: "DELETE" });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get("allow"), "GET, HEAD, POST");
    assert.deepEqual(r.json(), {
      error: "MethodNotAllowed",
      message: "The method is not allowed for the requested URL",
    });
  });

  test("HEAD is served for GET, without a body", async () => {
    const r = await get("/item/abc", { method: "HEAD" });
    assert.equal(r.status, 200);
    assert.equal(r.text, "");
    assert.equal(
      r.headers.get("content-length"),
      String(Buffer.byteLength('{"kind":"string","name":"abc"}')),
    );
  });

  test("an unknown route is a JSON 404", async () => {
    const r = await get("/nowhere");
    assert.equal(r.status, 404);
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.equal(r.json().error, "NotFound");
  });

  test("a branch rule redirects the URL without its slash, as werkzeug does", async () => {
    const r = await get("/branch?x=1");
    assert.equal(r.status, 308);
    assert.equal(r.headers.get("location"), "/branch/?x=1");
    assert.equal((await get("/branch/")).text, "branch");
  });

  test("every service of the process shares the one server", async () => {
    assert.equal(httpBase(runner, otherName), base);
    assert.equal((await get("/other")).text, "from the other service");
  });
});

describe("return values", () => {
  const cases: [string, number, string | null, string][] = [
    ["text", 200, "text/plain; charset=utf-8", "plain"],
    ["tuple", 202, "text/plain; charset=utf-8", "accepted"],
    ["tuple3", 200, "text/csv", "a,b"],
    ["response", 207, "application/json", "[1,2]"],
    ["nothing", 204, null, ""],
    ["bytes", 200, "application/octet-stream", "\u0000\u0001\u0002"],
  ];
  for (const [form, status, type, body] of cases) {
    test(`${form} → ${status}`, async () => {
      const r = await get(`/forms/${form}`);
      assert.equal(r.status, status);
      assert.equal(r.headers.get("content-type"), type);
      assert.equal(r.text, body);
    });
  }

  test("[status, headers, body] applies the headers", async () => {
    assert.equal((await get("/forms/tuple3")).headers.get("x-extra"), "1");
  });

  test("something a handler may not return is a generic 500", async () => {
    const r = await get("/forms/bad");
    assert.equal(r.status, 500);
    assert.deepEqual(r.json(), {
      error: "InternalServerError",
      message: "The server could not handle the request",
    });
  });
});

describe("errors", () => {
  test("an expected error is a 400 naming it", async () => {
    const r = await get("/airport/XXX");
    assert.equal(r.status, 400);
    assert.deepEqual(r.json(), { error: "UnknownAirport", message: "No airport XXX" });
  });

  test("HttpError answers its own status", async () => {
    const r = await get("/airport/404");
    assert.equal(r.status, 404);
    assert.deepEqual(r.json(), { error: "NotFound", message: "No airport 404" });
  });

  test("a BadRequest subclass is a 400; created resources get their status and headers", async () => {
    const bad = await get("/trips", { method: "POST", body: '{"from":"LHR"}' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), { error: "MissingField", message: "from and to are required" });
    const ok = await get("/trips", { method: "POST", body: '{"from":"LHR","to":"CDG"}' });
    assert.equal(ok.status, 201);
    assert.equal(ok.headers.get("location"), "/trips/1");
    assert.deepEqual(ok.json(), { id: 1, from: "LHR", to: "CDG" });
  });

  test("an unexpected error is a 500 with no detail, no stack", async () => {
    const r = await get("/boom");
    assert.equal(r.status, 500);
    assert.equal(r.headers.get("content-type"), "application/json");
    assert.doesNotMatch(r.text, /hunter2|TypeError|secret|\.ts/);
  });
});

describe("workers", () => {
  test("an HTTP request starts a new call chain with empty context data", async () => {
    const r = await get("/context", { headers: { "nameko.language": "de", "x-custom": "1" } });
    const body = r.json();
    assert.deepEqual(body.data, {});
    assert.equal(body.stack, 1);
    assert.match(body.callId, new RegExp(`^${gatewayName}\\.context\\.[0-9a-f-]{36}$`));
  });

  test("requests count against max_workers", async () => {
    running.max = 0;
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => get("/slow/300")));
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200, 200, 200],
    );
    assert.equal(running.max, 2);
  });
});

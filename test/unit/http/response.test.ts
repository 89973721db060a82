import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorResponse, responseFromError, responseFromResult } from "../../../src/http/response.js";
import {
  BadRequest,
  HttpError,
  HttpResponse,
  json,
  MethodNotFound,
  UnserializableValueError,
} from "../../../src/index.js";

const text = (body: Buffer) => body.toString("utf8");

describe("responseFromResult", () => {
  test("a string is 200 text/plain", () => {
    const r = responseFromResult("héllo");
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(r.headers["content-length"], Buffer.byteLength("héllo"));
    assert.equal(text(r.body), "héllo");
  });

  test("[status, body]", () => {
    const r = responseFromResult([201, "created"]);
    assert.equal(r.status, 201);
    assert.equal(text(r.body), "created");
  });

  test("[204, ''] has no body and no length", () => {
    const r = responseFromResult([204, ""]);
    assert.equal(r.status, 204);
    assert.equal(r.body.length, 0);
    assert.equal(r.headers["content-length"], undefined);
  });

  test("[status, headers, body]: headers apply, and may override the content type", () => {
    const r = responseFromResult([
      202,
      { "Content-Type": "text/csv", "X-Id": 7, "Set-Cookie": ["a=1", "b=2"] },
      "a,b",
    ]);
    assert.equal(r.status, 202);
    assert.equal(r.headers["content-type"], "text/csv");
    assert.equal(r.headers["x-id"], "7");
    assert.deepEqual(r.headers["set-cookie"], ["a=1", "b=2"]);
    assert.equal(text(r.body), "a,b");
  });

  test("a handler cannot set framing headers", () => {
    const r = responseFromResult([200, { "Content-Length": "999", "Transfer-Encoding": "chunked" }, "abc"]);
    assert.equal(r.headers["content-length"], 3);
    assert.equal(r.headers["transfer-encoding"], undefined);
  });

  test("a plain object is JSON (Nameko would answer 500)", () => {
    const r = responseFromResult({ airport: "LHR", n: [1, 2] });
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(text(r.body)), { airport: "LHR", n: [1, 2] });
  });

  test("objects and arrays are JSON bodies inside a tuple", () => {
    const r = responseFromResult([201, [1, 2]]);
    assert.equal(r.status, 201);
    assert.equal(r.headers["content-type"], "application/json");
    assert.equal(text(r.body), "[1,2]");
  });

  test("json() and HttpResponse", () => {
    const r = responseFromResult(json({ id: 1 }, 201, { location: "/trips/1" }));
    assert.equal(r.status, 201);
    assert.equal(r.headers["content-type"], "application/json");
    assert.equal(r.headers.location, "/trips/1");
    assert.equal(text(r.body), '{"id":1}');
    const html = responseFromResult(
      new HttpResponse("<p>", { status: 418, headers: { "content-type": "text/html" } }),
    );
    assert.equal(html.status, 418);
    assert.equal(html.headers["content-type"], "text/html");
    assert.equal(
      responseFromResult(json([1], 200, { "Content-Type": "application/vnd+json" })).headers["content-type"],
      "application/vnd+json",
    );
  });

  test("bytes are application/octet-stream", () => {
    const r = responseFromResult(new Uint8Array([1, 2, 3]));
    assert.equal(r.headers["content-type"], "application/octet-stream");
    assert.deepEqual([...r.body], [1, 2, 3]);
  });

  test("nothing is 204 No Content", () => {
    assert.equal(responseFromResult(undefined).status, 204);
    assert.equal(responseFromResult(null).status, 204);
  });

  test("json() refuses values JSON would silently drop", () => {
    assert.throws(() => json({ m: new Map([[1, 2]]) }), UnserializableValueError);
    assert.throws(() => responseFromResult({ s: new Set([1]) }), UnserializableValueError);
  });

  const invalid: [string, unknown, RegExp][] = [
    ["a number", 42, /returned 42/],
    ["a class instance", new Date(0), /returned <Date object at 0x[0-9a-f]+>/],
    ["an array that is not a tuple", [1, 2, 3], /not \[status, body\]/],
    ["a tuple with a headers array", [200, [], "x"], /not \[status, body\]/],
    ["a status out of range", [99, "x"], /status 99/],
    ["a status that is not an integer", [200.5, "x"], /status 200.5/],
    ["a string status", ["200", "x"], /not \[status, body\]/],
    ["a body of the wrong type", [200, 5], /the body 5/],
  ];
  for (const [what, value, message] of invalid) {
    test(`${what} is a TypeError (the server answers 500)`, () => {
      assert.throws(
        () => responseFromResult(value),
        (e: unknown) => e instanceof TypeError && message.test(e.message),
      );
    });
  }

  test("an invalid header is refused", () => {
    assert.throws(() => responseFromResult([200, { "bad name": "x" }, ""]), TypeError);
    assert.throws(() => responseFromResult([200, { "x-a": "line\nbreak" }, ""]), TypeError);
  });
});

describe("responseFromError", () => {
  class UnknownAirport extends Error {}

  const body = (r: { body: Buffer }) => JSON.parse(text(r.body));

  test("HttpError keeps its status, code and headers", () => {
    const r = responseFromError(new HttpError(404, "No airport XYZ"), []);
    assert.equal(r.status, 404);
    assert.equal(r.headers["content-type"], "application/json");
    assert.deepEqual(body(r), { error: "NotFound", message: "No airport XYZ" });
    const custom = responseFromError(
      new HttpError(429, "slow down", { code: "RateLimited", headers: { "retry-after": "5" } }),
      [],
    );
    assert.deepEqual(body(custom), { error: "RateLimited", message: "slow down" });
    assert.equal(custom.headers["retry-after"], "5");
  });

  test("expected errors are 400 with the class name", () => {
    const r = responseFromError(new UnknownAirport("XYZ"), [UnknownAirport]);
    assert.equal(r.status, 400);
    assert.deepEqual(body(r), { error: "UnknownAirport", message: "XYZ" });
  });

  test("BadRequest subclasses are 400 without being listed", () => {
    const r = responseFromError(new MethodNotFound("nope"), []);
    assert.equal(r.status, 400);
    assert.deepEqual(body(r), { error: "MethodNotFound", message: "nope" });
    assert.equal(responseFromError(new BadRequest("x"), []).status, 400);
  });

  test("anything else is a 500 that gives nothing away", () => {
    for (const error of [
      new TypeError("secret at /srv/app.ts:12"),
      new UnknownAirport("internal"),
      "a string",
      undefined,
    ]) {
      const r = responseFromError(error, []);
      assert.equal(r.status, 500);
      const b = body(r);
      assert.deepEqual(Object.keys(b), ["error", "message"]);
      assert.equal(b.error, "InternalServerError");
      assert.doesNotMatch(text(r.body), /secret|internal|TypeError|at /);
    }
  });

  test("errorResponse", () => {
    const r = errorResponse(405, "no", undefined, { allow: "GET, HEAD" });
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, "GET, HEAD");
    assert.deepEqual(body(r), { error: "MethodNotAllowed", message: "no" });
  });
});

describe("HttpError", () => {
  test("a status outside 400-599 is a programming error", () => {
    assert.throws(() => new HttpError(200), RangeError);
    assert.throws(() => new HttpError(600), RangeError);
  });

  test("default message and code", () => {
    const e = new HttpError(404);
    assert.equal(e.message, "Not Found");
    assert.equal(e.code, "NotFound");
    assert.equal(new HttpError(418).code, "Http418");
  });
});

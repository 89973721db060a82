import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HttpError, HttpRequest } from "../../../src/index.js";

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpError) return e.status;
    throw e;
  }
  return undefined;
}

describe("HttpRequest", () => {
  test("url, path and query", () => {
    const r = new HttpRequest({ method: "GET", url: "/caf%C3%A9/x?a=1&a=2&b=%20" });
    assert.equal(r.url, "/caf%C3%A9/x?a=1&a=2&b=%20");
    assert.equal(r.path, "/café/x");
    assert.deepEqual(r.query.getAll("a"), ["1", "2"]);
    assert.equal(r.query.get("b"), " ");
  });

  test("defaults", () => {
    const r = new HttpRequest();
    assert.equal(r.method, "GET");
    assert.equal(r.path, "/");
    assert.equal(r.body.length, 0);
    assert.deepEqual(r.params, {});
  });

  test("text() and json()", () => {
    const r = new HttpRequest({ method: "POST", body: '{"from":"LHR","n":[1]}' });
    assert.equal(r.text(), '{"from":"LHR","n":[1]}');
    assert.deepEqual(r.json(), { from: "LHR", n: [1] });
  });

  test("json() of invalid JSON is a 400 saying so", () => {
    const r = new HttpRequest({ body: "{nope" });
    assert.throws(
      () => r.json(),
      (e: unknown) => e instanceof HttpError && e.status === 400 && /not valid JSON/.test(e.message),
    );
  });

  test("json() of an empty body is a 400", () => {
    assert.equal(
      status(() => new HttpRequest({ body: "  " }).json()),
      400,
    );
  });

  test("invalid UTF-8 is a 400, not U+FFFD", () => {
    const r = new HttpRequest({ body: Buffer.from([0x7b, 0xff, 0x7d]) });
    assert.equal(
      status(() => r.text()),
      400,
    );
    assert.equal(
      status(() => r.json()),
      400,
    );
  });

  test("the charset of the content type is honoured; an unknown one is 415", () => {
    const latin1 = new HttpRequest({
      headers: { "content-type": "text/plain; charset=ISO-8859-1" },
      body: Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    });
    assert.equal(latin1.text(), "café");
    assert.equal(latin1.contentType, "text/plain");
    const unknown = new HttpRequest({
      headers: { "content-type": "text/plain; charset=klingon" },
      body: "x",
    });
    assert.equal(
      status(() => unknown.text()),
      415,
    );
  });

  test("form()", () => {
    const r = new HttpRequest({ body: "a=1&b=x+y" });
    assert.equal(r.form().get("b"), "x y");
  });
});

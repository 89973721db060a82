import assert from "node:assert/strict";
import { test } from "node:test";
import type { Delivery } from "../../../src/transport/transport.js";
import { MalformedRequest } from "../../../src/wire/remote-errors.js";
import { decodeRequest } from "../../../src/wire/rpc-envelope.js";

function delivery(
  body: string | Buffer,
  props: Record<string, unknown> = {},
  headerError?: string,
): Delivery {
  return {
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    exchange: "nameko-rpc",
    routingKey: "svc.m",
    redelivered: false,
    properties: { contentType: "application/json", headers: {}, ...props },
    headerError,
    ack() {},
    reject() {},
  };
}

const reason = (d: Delivery) => {
  try {
    decodeRequest(d, 100);
  } catch (err) {
    assert.ok(err instanceof MalformedRequest, String(err));
    return err.message;
  }
  return "ok";
};

test("decodes {args, kwargs}", () => {
  assert.deepEqual(decodeRequest(delivery('{"args": [1], "kwargs": {"b": 2}, "extra": 0}'), 100), {
    args: [1],
    kwargs: { b: 2 },
  });
});

test("every malformed request gets a MalformedRequest naming the reason", () => {
  assert.equal(reason(delivery("{}", { contentType: undefined })), "Message has no content type");
  assert.equal(
    reason(delivery("{}", { contentType: "text/plain" })),
    "Unsupported content type `text/plain`",
  );
  assert.match(reason(delivery("{nope")), /^Invalid JSON/);
  assert.equal(reason(delivery(Buffer.from([0xff]))), "Body is not valid UTF-8");
  assert.equal(reason(delivery('{"foo": 1}')), "Message missing `args` or `kwargs`");
  assert.equal(reason(delivery("[1, 2]")), "Message body must be an object with `args` and `kwargs`");
  assert.equal(reason(delivery('"xy"')), "Message body must be an object with `args` and `kwargs`");
  assert.equal(reason(delivery('{"args": "xy", "kwargs": {}}')), "`args` must be a list");
  assert.equal(reason(delivery('{"args": [], "kwargs": []}')), "`kwargs` must be an object");
  assert.match(reason(delivery("{}", {}, "unknown field type tag")), /^Message headers could not be decoded/);
  assert.match(
    reason(delivery(`{"args": ["${"x".repeat(200)}"], "kwargs": {}}`)),
    /exceeds the limit of 100/,
  );
});

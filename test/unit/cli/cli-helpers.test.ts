/**
 * The CLI's small parts: broker precedence, module specs, readable log lines.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { nearestTsconfig, parseServiceSpec } from "../../../src/cli/load-services.js";
import { formatLogLine } from "../../../src/cli/pretty-log.js";
import { resolveConfig } from "../../../src/cli/resolve-config.js";
import { ConfigurationError } from "../../../src/index.js";

test("the broker: --broker, else AMQP_URI from the environment; without either, nothing is set", async () => {
  assert.deepEqual(await resolveConfig({}, {}), {});
  assert.deepEqual(await resolveConfig({}, { AMQP_URI: "" }), {});
  assert.deepEqual(await resolveConfig({}, { AMQP_URI: "amqp://env" }), { AMQP_URI: "amqp://env" });
  assert.deepEqual(await resolveConfig({ broker: "amqp://flag" }, { AMQP_URI: "amqp://env" }), {
    AMQP_URI: "amqp://flag",
  });
  await assert.rejects(
    resolveConfig({}, { AMQP_URI: "redis://user:pw@host" }),
    new ConfigurationError(
      "Unsupported broker URI redis://user:***@host: use amqp://, amqps://, pyamqp:// or memory:// (from the AMQP_URI environment variable)",
    ),
  );
});

test("module specs: module[:ClassName]", () => {
  assert.deepEqual(parseServiceSpec("hello"), { module: "hello", className: undefined });
  assert.deepEqual(parseServiceSpec("examples/hello/hello.ts:GreetingService"), {
    module: "examples/hello/hello.ts",
    className: "GreetingService",
  });
  assert.deepEqual(parseServiceSpec("dir:with/colon.ts"), {
    module: "dir:with/colon.ts",
    className: undefined,
  });
});

test("the tsconfig.json nearest to a service file", () => {
  const root = mkdtempSync(join(tmpdir(), "enoki-tsconfig-"));
  try {
    writeFileSync(join(root, "tsconfig.json"), "{}");
    assert.equal(nearestTsconfig(join(root, "a", "b")), join(root, "tsconfig.json"));
    assert.equal(nearestTsconfig(root), join(root, "tsconfig.json"));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("readable log lines", () => {
  const time = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();
  const line = (entry: object) => formatLogLine(JSON.stringify({ level: 30, time, pid: 1, ...entry }));
  assert.equal(
    line({ msg: "starting services: a, b", services: ["a", "b"], broker: "amqp://guest:***@localhost/" }),
    '03:04:05.006 INFO  starting services: a, b services=["a","b"] broker=amqp://guest:***@localhost/',
  );
  assert.equal(
    line({ level: 40, service: "greeting_service", msg: "bad RPC request", err: "nope" }),
    "03:04:05.006 WARN  [greeting_service] bad RPC request err=nope",
  );
  assert.equal(
    line({
      level: 50,
      msg: "crashed",
      err: { type: "Error", message: "boom", stack: "Error: boom\n    at x" },
    }),
    "03:04:05.006 ERROR crashed\n    Error: boom\n        at x",
  );
  assert.equal(
    line({ level: 40, msg: "odd", err: { type: "TypeError", message: "bad" } }),
    "03:04:05.006 WARN  odd err=TypeError: bad",
  );
  assert.equal(
    line({
      level: 50,
      msg: "the result of s.m cannot be serialized",
      err: {
        type: "UnserializableValueError",
        message: "Unserializable value",
        stack: "UnserializableValueError: Unserializable value\n    at y",
        cause: { type: "TypeError", message: "circular", stack: "TypeError: circular\n    at z" },
      },
    }),
    "03:04:05.006 ERROR the result of s.m cannot be serialized\n    UnserializableValueError: Unserializable value\n        at y\n    caused by: TypeError: circular\n        at z",
  );
  assert.equal(
    line({
      level: 40,
      msg: "odd",
      err: { type: "HttpError", message: "no", cause: { type: "NotFound", message: "x" } },
    }),
    "03:04:05.006 WARN  odd err=HttpError: no caused by NotFound: x",
  );
  assert.equal(formatLogLine("not json"), "not json");
});

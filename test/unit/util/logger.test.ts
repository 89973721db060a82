import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger } from "../../../src/util/logger.js";

function lines(level: string): { log: ReturnType<typeof createLogger>; out: string[] } {
  const out: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      out.push(String(chunk));
      done();
    },
  });
  return { log: createLogger({ level, destination }), out };
}

test("Python's level names work as pino's, in any case", () => {
  const { log, out } = lines("WARNING");
  log.info("hidden");
  log.warn("shown");
  assert.equal(out.length, 1);
  assert.match(out[0]!, /"level":40,.*"msg":"shown"/);
  assert.doesNotThrow(() => createLogger({ level: "critical", destination: new Writable() }));
});

test("an error is logged with its cause as its own object; a plain { type, message } stays as written", () => {
  const { log, out } = lines("info");
  log.error({ err: new Error("outer", { cause: new RangeError("inner") }) }, "failed");
  log.warn({ err: { type: "NotFound", message: "No trip x" } }, "expected");
  const [failed, expected] = out.map((l) => JSON.parse(l) as { err: Record<string, unknown> });
  assert.equal(failed!.err.message, "outer");
  assert.deepEqual((failed!.err.cause as { type: string; message: string }).message, "inner");
  assert.deepEqual(expected!.err, { type: "NotFound", message: "No trip x" });
});

/**
 * `enoki run`'s exit code when a service crashes while running: 1, or 2 when the crash was a
 * configuration error (a queue re-declared with another type on a reconnect), which a restart
 * cannot fix.
 */
import assert from "node:assert/strict";
import type { EventEmitter } from "node:events";
import { test } from "node:test";
import { serve } from "../../../src/cli/run.js";
import { QueueTypeMismatch, type ServiceRunner, silentLogger } from "../../../src/index.js";

/** A runner that starts, then closes at once with `reason`. */
function crashingRunner(reason: Error): ServiceRunner {
  return {
    config: { AMQP_URI: "memory://" },
    start: async () => undefined,
    closed: Promise.resolve(reason),
    stop: async () => undefined,
    kill: async () => undefined,
  } as unknown as ServiceRunner;
}

test("a crash for a configuration error exits 2; any other crash exits 1", async (t) => {
  const emitter: EventEmitter = process;
  const events = ["SIGINT", "SIGTERM", "unhandledRejection"];
  const before = new Map(events.map((event) => [event, emitter.listeners(event).length]));
  t.after(() => {
    // serve() handles signals and rejections for the process it runs in: leave this one as it was.
    for (const event of events) {
      for (const listener of emitter.listeners(event).slice(before.get(event))) {
        emitter.off(event, listener as (...args: unknown[]) => void);
      }
    }
  });
  const mismatch = new QueueTypeMismatch("rpc-svc", "/", "quorum", undefined);
  assert.equal(await serve(crashingRunner(mismatch), ["svc"], silentLogger), 2);
  assert.equal(await serve(crashingRunner(new Error("boom")), ["svc"], silentLogger), 1);
});

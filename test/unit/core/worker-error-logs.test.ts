/**
 * How a failing worker is logged, through the real pino serialisation: an expected error (the
 * caller's doing) as a warning with its type and message only; anything else as an error with
 * its stack; a cause as its own object, not appended to the message; a result that cannot be
 * serialized by the service that returned it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpError, rpc, ServiceError, service, UnserializableValueError } from "../../../src/index.js";
import { startServices } from "../../../src/testing/index.js";
import { captureLogs } from "../../support/log-capture.js";

class NotFound extends ServiceError {}

@service("logged_errors")
class LoggedErrors {
  @rpc({ expected: [NotFound] })
  find(id: string): never {
    throw new NotFound(`No trip ${id}`);
  }

  @rpc
  circular(): object {
    const trip: Record<string, unknown> = { id: "t1" };
    trip.self = trip;
    return trip;
  }

  @rpc
  crash(): never {
    throw new HttpError(500, "wrapped", { cause: new Error("inner") });
  }
}

test("an expected error is a warning without a stack; others are errors with stack and cause", async () => {
  const logs = captureLogs("info");
  await using services = await startServices([LoggedErrors], { logger: logs.logger });
  await assert.rejects(services.rpc.logged_errors!.find!("x"), { name: "RemoteError", excType: "NotFound" });
  await assert.rejects(services.rpc.logged_errors!.crash!());

  const expected = await logs.waitFor((l) => l.msg === "expected error in worker");
  assert.equal(expected.level, 40);
  assert.deepEqual(expected.err, { type: "NotFound", message: "No trip x" });

  const failed = await logs.waitFor((l) => l.msg === "error in worker");
  const err = failed.err as { message: string; stack: string; cause: { message: string } };
  assert.equal(failed.level, 50);
  assert.equal(err.message, "wrapped");
  assert.match(err.stack, /^HttpError: wrapped\n {4}at /);
  assert.equal(err.cause.message, "inner");
});

test("a result that cannot be serialized is logged by the service, with the reason", async () => {
  const logs = captureLogs("info");
  await using services = await startServices([LoggedErrors], { logger: logs.logger });
  await assert.rejects(services.rpc.logged_errors!.circular!(), UnserializableValueError);
  const line = await logs.waitFor((l) => String(l.msg).startsWith("the result of logged_errors.circular"));
  const err = line.err as { type: string; cause: { message: string } };
  assert.equal(line.level, 50);
  assert.equal(err.type, "UnserializableValueError");
  assert.match(err.cause.message, /circular structure/);
});

/**
 * Retries in a mixed fleet: a Python Nameko service using nameko-amqp-retry and Enoki services
 * share the `backoff` exchange and delay queues; a Python caller of an `@rpc({ retry })` method
 * gets the final result, or `Expired` as nameko-amqp-retry's callers do; a plain Nameko handler
 * keeps its behaviour.
 *
 * Needs `NAMEKO_PATH` (as test/interop/nameko.test.ts) and `NAMEKO_AMQP_RETRY_PATH`: a
 * directory holding the `nameko_amqp_retry` package (a checkout of nameko/nameko-amqp-retry).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  type Cluster,
  connect,
  eventHandler,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../src/index.js";
import { createVhost } from "../support/broker.js";
import { type NamekoProcess, namekoPath, startNameko, stopNameko } from "../support/nameko-process.js";
import { delay, waitFor } from "../support/wait.js";

const retryPath = process.env.NAMEKO_AMQP_RETRY_PATH;

let flakyRuns = 0;
const fromPython: Array<{ at: number; payload: unknown }> = [];

@service("ts_retry")
class TsRetry {
  @rpc({ retry: { attempts: 3, schedule: [500], jitter: 0 } })
  flaky(): string {
    flakyRuns++;
    if (flakyRuns === 1) throw new Error("first run fails");
    return `ok after ${flakyRuns} runs`;
  }

  @rpc({ retry: { attempts: 2, schedule: [500], jitter: 0 } })
  broken(): string {
    throw new Error("always fails");
  }

  // Shares backoff--500ms with the Python handler's retries.
  @eventHandler("py_retry", "py_flaky", { retry: { schedule: [500], jitter: 0 } })
  onPyFlaky(payload: unknown): void {
    fromPython.push({ at: Date.now(), payload });
    if (fromPython.length === 1) throw new Error("first run fails");
  }
}

function printed(nameko: NamekoProcess, prefix: string): unknown[] {
  return nameko.lines
    .filter((l) => l.startsWith(`${prefix} `))
    .map((l) => JSON.parse(l.slice(prefix.length + 1)));
}

const skip = !namekoPath
  ? "NAMEKO_PATH is not set"
  : !retryPath
    ? "NAMEKO_AMQP_RETRY_PATH is not set"
    : false;

describe("retries with Python Nameko and nameko-amqp-retry", { skip }, () => {
  let nameko: NamekoProcess;
  let runner: ServiceRunner;
  let cluster: Cluster;

  before(async () => {
    const { uri } = createVhost("enoki-interop-retry");
    nameko = await startNameko(uri, "run_retry_service.py", [retryPath as string]);
    runner = await runServices([TsRetry], { config: { AMQP_URI: uri }, logger: silentLogger });
    cluster = await connect({ uri, logger: silentLogger });
  });
  after(async () => {
    await cluster?.close();
    await runner?.stop();
    await stopNameko(nameko);
  });

  test("a Python caller of @rpc({ retry }) gets the final result, or Expired after the last attempt", async () => {
    const ok = (await cluster.rpc.py_retry!.call_ts!("flaky")) as Record<string, unknown>;
    assert.deepEqual(ok, { result: "ok after 2 runs" });
    const failed = (await cluster.rpc.py_retry!.call_ts!("broken")) as { error: Record<string, unknown> };
    assert.deepEqual(failed.error, {
      class: "RemoteError",
      exc_type: "Expired",
      value: "Backoff aborted after '1' retries (~1 seconds)",
    });
  });

  test("Enoki and nameko-amqp-retry share the backoff exchange and delay queue, each retry lands home", async () => {
    // Python's handler retries through backoff--500ms, as Enoki's does: same declarations.
    await cluster.dispatchEvent("ts_retry", "flaky", { id: 1 });
    await cluster.rpc.py_retry!.fire!({ from: "python" });
    await waitFor(() => printed(nameko, "PY_FLAKY_DONE").length === 1, "Python's retry", 15_000);
    await waitFor(() => fromPython.length === 2, "Enoki's retry", 15_000);
    assert.deepEqual(printed(nameko, "PY_FLAKY_RUN"), [{ id: 1 }, { id: 1 }]);
    assert.deepEqual(
      fromPython.map((r) => r.payload),
      [{ from: "python" }, { from: "python" }],
    );
    const gap = fromPython[1]!.at - fromPython[0]!.at;
    assert.ok(gap >= 490 && gap < 5000, `Enoki's retry after ${gap} ms`);
    await delay(500);
    assert.equal(printed(nameko, "PY_FLAKY_RUN").length, 2, "no copy of Python's event reached anyone else");
    assert.equal(fromPython.length, 2);
  });

  test("a plain Nameko handler is unaffected: its failure is logged and the event acknowledged", async () => {
    await cluster.dispatchEvent("ts_retry", "plain", { n: 1 });
    await waitFor(() => printed(nameko, "PY_PLAIN").length === 1, "the plain handler", 15_000);
    await delay(1000);
    assert.equal(printed(nameko, "PY_PLAIN").length, 1, "not requeued, not retried");
  });
});

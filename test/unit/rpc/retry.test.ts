/**
 * `@rpc({ retry })`: a failed call runs again after a delay in the broker, and its caller gets
 * the final result, or `Expired` after the last attempt, as nameko-amqp-retry's callers do.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { type TestContext, test } from "node:test";
import {
  Backoff,
  connect,
  Expired,
  MemoryBroker,
  RemoteError,
  rpc,
  runServices,
  service,
  silentLogger,
} from "../../../src/index.js";

const unique = (prefix: string) => `${prefix}_${randomBytes(4).toString("hex")}`;

async function start(t: TestContext, Service: new () => object, broker: MemoryBroker) {
  const runner = await runServices([Service], {
    memoryBroker: broker,
    config: { AMQP_URI: "memory://" },
    logger: silentLogger,
  });
  t.after(() => runner.kill());
  const cluster = await connect({ uri: "memory://", memoryBroker: broker, logger: silentLogger });
  t.after(() => cluster.close());
  return cluster;
}

test("a call failing twice then succeeding: the caller gets the result of the third run", async (t) => {
  const name = unique("flaky");
  const runs: number[] = [];
  @service(name)
  class Flaky {
    @rpc({ retry: { schedule: [100, 200], jitter: 0 } })
    compute(x: number) {
      runs.push(Date.now());
      if (runs.length <= 2) throw new Error(`failure ${runs.length}`);
      return x * 2;
    }
    @rpc
    other() {
      return "other";
    }
  }
  const broker = new MemoryBroker();
  const cluster = await start(t, Flaky, broker);
  assert.equal(await cluster.rpc[name]!.compute!(21), 42);
  assert.equal(runs.length, 3);
  assert.ok(runs[1]! - runs[0]! >= 95, `first retry after ${runs[1]! - runs[0]!} ms`);
  assert.ok(runs[2]! - runs[1]! >= 195, `second retry after ${runs[2]! - runs[1]!} ms`);
  assert.equal(await cluster.rpc[name]!.other!(), "other");
  assert.equal(broker.queue(`rpc-${name}`)?.messages, 0);
});

test("after the last attempt the caller gets Expired, nameko-amqp-retry's error and words", async (t) => {
  const name = unique("broken");
  let runs = 0;
  @service(name)
  class Broken {
    @rpc({ retry: { attempts: 3, schedule: [600, 1000], jitter: 0 } })
    compute() {
      runs++;
      throw new Backoff("not yet");
    }
    @rpc({ retry: { retryOn: [RangeError], schedule: [10] } })
    picky() {
      runs++;
      throw new TypeError("a bug");
    }
  }
  const broker = new MemoryBroker();
  const cluster = await start(t, Broken, broker);
  await assert.rejects(cluster.rpc[name]!.compute!(), (err: unknown) => {
    assert.ok(err instanceof Expired, `got ${String(err)}`);
    assert.equal((err as Error).message, "Backoff aborted after '2' retries (~2 seconds)");
    return true;
  });
  assert.equal(runs, 3);
  // An error retryOn does not name is answered at once.
  await assert.rejects(
    cluster.rpc[name]!.picky!(),
    (err: unknown) => err instanceof RemoteError || err instanceof TypeError,
  );
  assert.equal(runs, 4);
});

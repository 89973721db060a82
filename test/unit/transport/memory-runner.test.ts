/**
 * The whole framework over `memory://`: services in one process calling each other with no
 * broker, errors crossing the wire, and `UnknownService` from a mandatory return.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import {
  type Cluster,
  connect,
  MemoryBroker,
  MethodNotFound,
  RemoteError,
  rpc,
  rpcProxy,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
  UnknownService,
} from "../../../src/index.js";
import { MemoryTransport } from "../../../src/transport/memory/memory-transport.js";

const MEMORY = { AMQP_URI: "memory://" };

function name(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

class OutOfStock extends Error {}

function makeServices(maths: string, shop: string, ghost: string) {
  @service(maths)
  class Maths {
    @rpc
    add(a: number, b: number) {
      return a + b;
    }

    @rpc
    divide(a: number, b: number) {
      if (b === 0) throw new RangeError("division by zero");
      return a / b;
    }
  }

  @service(shop)
  class Shop {
    maths = rpcProxy<Maths>(maths);
    ghost = rpcProxy(ghost);

    @rpc
    async total(prices: number[]) {
      let sum = 0;
      for (const price of prices) sum = await this.maths.add(sum, price);
      return sum;
    }

    @rpc
    async share(amount: number, people: number) {
      return this.maths.divide(amount, people);
    }

    @rpc
    async haunt() {
      return this.ghost.boo!();
    }

    @rpc
    buy() {
      throw new OutOfStock("no more stock");
    }
  }
  return { Maths, Shop };
}

describe("one runner over memory://", () => {
  const maths = name("maths");
  const shop = name("shop");
  const ghost = name("ghost");
  const { Maths, Shop } = makeServices(maths, shop, ghost);
  let runner: ServiceRunner;
  let cluster: Cluster;

  before(async () => {
    runner = await runServices([Maths, Shop], { config: MEMORY, logger: silentLogger });
    assert.ok(runner.transport instanceof MemoryTransport);
    cluster = await connect({ transport: runner.transport, logger: silentLogger });
  });
  after(async () => {
    await cluster?.close();
    await runner?.stop();
  });

  test("a service calls another with rpcProxy", async () => {
    assert.equal(await cluster.rpc[shop]!.total!([1, 2, 3.5]), 6.5);
  });

  test("an error in the called service comes back through both hops", async () => {
    await assert.rejects(
      cluster.rpc[shop]!.share!(10, 0),
      (err: unknown) =>
        err instanceof RemoteError &&
        err.excType === "RemoteError" &&
        err.value === "ValueError division by zero",
    );
    await assert.rejects(
      cluster.rpc[maths]!.divide!(1, 0),
      (err: unknown) =>
        err instanceof RemoteError && err.excType === "ValueError" && err.value === "division by zero",
    );
    await assert.rejects(
      cluster.rpc[shop]!.buy!(),
      (err: unknown) => err instanceof RemoteError && err.excType === "OutOfStock",
    );
    await assert.rejects(cluster.rpc[maths]!.nope!(), MethodNotFound);
  });

  test("a service that does not exist is UnknownService, from inside a service too", async () => {
    await assert.rejects(cluster.rpc[ghost]!.boo!(), UnknownService);
    await assert.rejects(
      cluster.rpc[shop]!.haunt!(),
      (err: unknown) => err instanceof RemoteError && err.excType === "UnknownService",
    );
  });

  test("a call through a closed client says the client is closed", async () => {
    const closed = await connect({ transport: runner.transport, logger: silentLogger });
    await closed.close();
    await assert.rejects(closed.rpc[shop]!.total!([1]), {
      name: "ConnectionLost",
      message: `Cannot call ${shop}.total: the caller has been closed (cluster.close(), or its container stopped)`,
    });
  });

  test("many concurrent calls", async () => {
    const sums = await Promise.all(Array.from({ length: 200 }, (_, i) => cluster.rpc[maths]!.add!(i, 1)));
    assert.deepEqual(
      sums,
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
  });
});

describe("runners sharing a MemoryBroker", () => {
  const maths = name("maths");
  const shop = name("shop");
  const { Maths, Shop } = makeServices(maths, shop, name("ghost"));
  const broker = new MemoryBroker();
  let mathsRunner: ServiceRunner;
  let shopRunner: ServiceRunner;
  let cluster: Cluster;

  before(async () => {
    const options = { config: MEMORY, memoryBroker: broker, logger: silentLogger };
    mathsRunner = await runServices([Maths], options);
    shopRunner = await runServices([Shop], options);
    cluster = await connect({ uri: "memory://", memoryBroker: broker, logger: silentLogger });
  });
  after(async () => {
    await cluster?.close();
    await shopRunner?.stop();
    await mathsRunner?.stop();
  });

  test("talk to each other as processes on one broker", async () => {
    assert.equal(await cluster.rpc[shop]!.total!([2, 2]), 4);
    assert.equal(broker.queue(`rpc-${maths}`)?.consumers, 1);
  });

  test("a client on another broker sees no services", async () => {
    const stranger = await connect({ uri: "memory://", logger: silentLogger });
    try {
      await assert.rejects(stranger.rpc[maths]!.add!(1, 2), UnknownService);
    } finally {
      await stranger.close();
    }
  });

  test("a stopped runner's queue keeps requests for the next instance", async () => {
    await mathsRunner.stop();
    assert.equal(broker.queue(`rpc-${maths}`)?.consumers, 0);
    const call = cluster.rpc[maths]!.add!(40, 2);
    mathsRunner = await runServices([Maths], { config: MEMORY, memoryBroker: broker, logger: silentLogger });
    assert.equal(await call, 42);
  });
});

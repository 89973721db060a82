import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  EntrypointWaiterTimeout,
  ExtensionNotFound,
  entrypointWaiter,
  startServices,
} from "../../../src/testing/index.js";
import { Airports, Hotels, Trips } from "./travel.js";

const trip = (id: number, to: string) => ({ id, from: "LHR", to });

describe("entrypointWaiter", () => {
  test("resolves once a worker of the entrypoint has finished, with its args, result and context", async () => {
    await using services = await startServices([Airports, Trips, Hotels]);
    const waiter = entrypointWaiter(services.container(Hotels), "onTripBooked");
    const booked = await services.service(Trips).book("LHR", "CDG");
    const worker = await waiter.done;
    assert.ok(worker.ok);
    assert.equal(worker.result, "a room in CDG");
    assert.deepEqual(worker.args, [booked]);
    assert.match(worker.context.callIdStack.at(-2) ?? "", /^trips\.book\./);
    assert.equal(await waiter.result(), "a room in CDG");
  });

  test("a failed worker: done resolves with the error, result() rethrows it", async () => {
    await using services = await startServices([Hotels]);
    const waiter = entrypointWaiter(services.container(Hotels), "onTripBooked");
    await services.dispatchEvent("trips", "trip_booked", trip(1, "NOWHERE"));
    const worker = await waiter.done;
    assert.equal(worker.ok, false);
    await assert.rejects(waiter.result(), /no hotel in NOWHERE/);
  });

  test("callback: waits for the first worker it accepts", async () => {
    await using services = await startServices([Hotels]);
    const seen: string[] = [];
    const waiter = entrypointWaiter(services.container(Hotels), "onTripBooked", {
      callback: (worker) => {
        seen.push(worker.args[0].to);
        return worker.ok && worker.args[0].to === "OSL";
      },
    });
    for (const [id, to] of [
      [1, "NOWHERE"],
      [2, "CDG"],
      [3, "OSL"],
    ] as const)
      await services.dispatchEvent("trips", "trip_booked", trip(id, to));
    assert.equal(await waiter.result(), "a room in OSL");
    assert.deepEqual(seen, ["NOWHERE", "CDG", "OSL"]);
  });

  test("await using: leaving the block waits for the worker", async () => {
    await using services = await startServices([Hotels]);
    const handled: string[] = [];
    {
      await using waiter = entrypointWaiter(services.container(Hotels), "onTripBooked");
      void waiter.done.then((worker) => handled.push(String(worker.ok && worker.result)));
      await services.dispatchEvent("trips", "trip_booked", trip(1, "CDG"));
      assert.deepEqual(handled, [], "the handler runs later: delivery is asynchronous");
    }
    await sleep(0);
    assert.deepEqual(handled, ["a room in CDG"]);
  });

  test("times out with EntrypointWaiterTimeout, saying how many workers did not match", async () => {
    await using services = await startServices([Hotels]);
    const container = services.container(Hotels);
    const nothing = entrypointWaiter(container, "onTripBooked", { timeoutMs: 30 });
    await assert.rejects(
      nothing.done,
      (err: unknown) =>
        err instanceof EntrypointWaiterTimeout &&
        err.message === "Timeout on hotels.onTripBooked after 30 ms",
    );
    const picky = entrypointWaiter(container, "onTripBooked", { timeoutMs: 200, callback: () => false });
    await services.dispatchEvent("trips", "trip_booked", trip(1, "CDG"));
    await assert.rejects(
      picky.result(),
      /^EntrypointWaiterTimeout: Timeout on hotels\.onTripBooked after 200 ms \(1 finished, none matched the callback\)$/,
    );
  });

  test("await using on a waiter that times out throws the timeout", async () => {
    await using services = await startServices([Hotels]);
    await assert.rejects(async () => {
      await using _waiter = entrypointWaiter(services.container(Hotels), "onTripBooked", { timeoutMs: 20 });
    }, EntrypointWaiterTimeout);
  });

  test("a callback that throws rejects the waiter with its error", async () => {
    await using services = await startServices([Hotels]);
    const waiter = entrypointWaiter(services.container(Hotels), "onTripBooked", {
      callback: () => {
        throw new Error("bad callback");
      },
    });
    await services.dispatchEvent("trips", "trip_booked", trip(1, "CDG"));
    await assert.rejects(waiter.done, /bad callback/);
  });

  test("the container closing first rejects at once", async () => {
    const services = await startServices([Hotels]);
    const waiter = entrypointWaiter(services.container(Hotels), "onTripBooked", { timeoutMs: 5_000 });
    await services.stop();
    await assert.rejects(
      waiter.done,
      /^Error: hotels\.onTripBooked: the container closed before the waited-for worker finished$/,
    );
  });

  test("cancel: stops waiting, and disposing returns at once", async () => {
    await using services = await startServices([Hotels]);
    const started = performance.now();
    {
      await using waiter = entrypointWaiter(services.container(Hotels), "onTripBooked", { timeoutMs: 5_000 });
      waiter.cancel();
    }
    assert.ok(performance.now() - started < 1_000);
  });

  test("only workers of the named entrypoint count", async () => {
    await using services = await startServices([Airports, Trips]);
    const waiter = entrypointWaiter(services.container(Trips), "book", { timeoutMs: 5_000 });
    await services.service(Airports).get("LHR");
    const result = await Promise.race([waiter.done.then(() => "done"), sleep(50, "still waiting")]);
    assert.equal(result, "still waiting");
    await services.service(Trips).book("LHR", "CDG");
    assert.equal((await waiter.result()).to, "CDG");
  });

  test("a method without an entrypoint is ExtensionNotFound", async () => {
    await using services = await startServices([Hotels]);
    assert.throws(
      // @ts-expect-error: Hotels has no method "onTripCancelled"
      () => entrypointWaiter(services.container(Hotels), "onTripCancelled"),
      ExtensionNotFound,
    );
  });
});

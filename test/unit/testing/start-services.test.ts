import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  dependency,
  MemoryBroker,
  RemoteError,
  rpc,
  runServices,
  service,
  silentLogger,
  timer,
  UnknownService,
} from "../../../src/index.js";
import { createServices, entrypointWaiter, startServices } from "../../../src/testing/index.js";
import { waitFor } from "../../support/wait.js";
import { Airports, Gateway, Hotels, Trips } from "./travel.js";

describe("startServices", () => {
  test("services talk to each other over a private in-memory broker", async () => {
    await using services = await startServices([Airports, Trips, Hotels]);
    assert.ok(services.memoryBroker instanceof MemoryBroker);
    assert.equal(services.config.AMQP_URI, "memory://");
    const booked = entrypointWaiter(services.container(Hotels), "onTripBooked");
    const trip = await services.service(Trips).book("LHR", "CDG");
    assert.equal(trip.from, "LHR");
    assert.equal(await booked.result(), "a room in CDG");
    assert.deepEqual(await services.rpc.airports!.get!("JFK"), { id: "JFK", name: "Airport JFK" });
    await assert.rejects(
      services.service<Airports>("airports").get("XXX"),
      (err: unknown) => err instanceof RemoteError && err.excType === "UnknownAirport",
    );
  });

  test("each call has its own broker: tests never see each other", async () => {
    await using first = await startServices([Airports]);
    await using second = await startServices([Trips]);
    assert.notEqual(first.memoryBroker, second.memoryBroker);
    await assert.rejects(second.rpc.airports!.get!("LHR"), UnknownService);
    assert.equal(first.memoryBroker?.queue("rpc-trips"), undefined);
  });

  test("dispatchEvent reaches event handlers", async () => {
    await using services = await startServices([Hotels]);
    const handled = entrypointWaiter(services.container(Hotels), "onTripBooked");
    await services.dispatchEvent("trips", "trip_booked", { id: 1, from: "LHR", to: "OSL" });
    assert.equal(await handled.result(), "a room in OSL");
  });

  test("HTTP listens on a free port of 127.0.0.1 by default, given by httpUrl", async () => {
    await using services = await startServices([Gateway, Airports]);
    assert.match(services.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(services.httpUrl, "http://127.0.0.1:0");
    const response = await fetch(`${services.httpUrl}/airports/LHR`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { id: "LHR", name: "Airport LHR" });
  });

  test("httpUrl without an HTTP server, clients before start, and unknown services say why", async () => {
    await using services = createServices([Airports]);
    assert.throws(() => services.rpc, /Start the services first/);
    assert.throws(
      () => services.container(Trips),
      /^Error: trips is not one of these services \(airports\)$/,
    );
    await services.start();
    assert.throws(() => services.httpUrl, /No HTTP server is listening/);
    await assert.rejects(services.start(), /already been started/);
  });

  test("timers tick", async () => {
    let ticks = 0;
    @service("ticker")
    class Ticker {
      @timer({ interval: 0.02 })
      tick() {
        ticks++;
      }
    }
    await using _services = await startServices([Ticker]);
    await waitFor(() => ticks >= 3, "3 ticks", 5_000);
  });

  test("stop stops every container and closes the connection; it is idempotent", async () => {
    const services = await startServices([Airports, Trips]);
    await services.stop();
    await services.stop();
    assert.deepEqual(
      services.containers.map((c) => c.state),
      ["stopped", "stopped"],
    );
    assert.equal(services.transport.status, "closed");
  });

  test("await using stops the services at the end of the block", async () => {
    let escaped: Awaited<ReturnType<typeof startServices>> | undefined;
    {
      await using services = await startServices([Airports]);
      escaped = services;
    }
    assert.equal(escaped.container(Airports).state, "stopped");
  });

  test("a service that fails to start: start rejects, and everything is killed and closed", async () => {
    @service("broken")
    class Broken {
      dep = dependency<number>("broken()", () => ({
        name: "broken",
        setup: async () => {
          throw new Error("cannot connect");
        },
        get: () => 1,
      }));
    }
    const services = createServices([Airports, Broken]);
    await assert.rejects(services.start(), /cannot connect/);
    assert.deepEqual(
      services.containers.map((c) => c.state),
      ["killed", "killed"],
    );
    assert.equal(services.transport.status, "closed");
  });

  test("classes that are not services, or two of one name, are refused", () => {
    class Plain {}
    assert.throws(() => createServices([Plain]), /Plain is not a service/);
    @service("airports")
    class OtherAirports {
      @rpc
      get() {
        return null;
      }
    }
    assert.throws(() => createServices([Airports, OtherAirports]), /Two services are named airports/);
  });

  test("memoryBroker: share one with a runner", async () => {
    const broker = new MemoryBroker();
    const runner = await runServices([Airports], {
      config: { AMQP_URI: "memory://" },
      memoryBroker: broker,
      logger: silentLogger,
    });
    try {
      await using services = await startServices([Trips, Hotels], { memoryBroker: broker });
      assert.equal((await services.service(Trips).book("LHR", "CDG")).to, "CDG");
    } finally {
      await runner.stop();
    }
  });
});

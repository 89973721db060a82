/**
 * The test helpers on RabbitMQ (`transport: <uri>`): the same services and helpers as over the
 * in-memory broker, on the run's vhost.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventDispatcher, eventHandler, RemoteError, rpc, rpcProxy, service } from "../../../src/index.js";
import {
  createServices,
  entrypointHook,
  entrypointWaiter,
  replaceDependencies,
  startServices,
} from "../../../src/testing/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";

function makeServices() {
  const names = {
    airports: uniqueName("airports"),
    trips: uniqueName("trips"),
    hotels: uniqueName("hotels"),
  };
  type TripEvents = { trip_booked: { from: string; to: string } };

  @service(names.airports)
  class Airports {
    @rpc
    get(id: string) {
      if (id.length !== 3) throw new RangeError(`bad code ${id}`);
      return { id };
    }
  }

  @service(names.trips)
  class Trips {
    airports = rpcProxy<Airports>(names.airports);
    dispatch = eventDispatcher<TripEvents>();
    @rpc
    async book(from: string, to: string) {
      await this.airports.get(from);
      await this.airports.get(to);
      await this.dispatch("trip_booked", { from, to });
      return `${from}-${to}`;
    }
  }

  @service(names.hotels)
  class Hotels {
    @eventHandler<TripEvents, "trip_booked">(names.trips, "trip_booked")
    onTripBooked(trip: { from: string; to: string }) {
      return `a room in ${trip.to}`;
    }
  }
  return { Airports, Trips, Hotels };
}

test("services, clients, hooks and waiters work the same on RabbitMQ", async () => {
  const { Airports, Trips, Hotels } = makeServices();
  await using services = await startServices([Airports, Trips, Hotels], { transport: brokerUri() });
  assert.equal(services.memoryBroker, undefined);
  assert.equal(services.config.AMQP_URI, brokerUri());
  const handled = entrypointWaiter(services.container(Hotels), "onTripBooked");
  assert.equal(await services.service(Trips).book("LHR", "CDG"), "LHR-CDG");
  assert.equal(await handled.result(), "a room in CDG");
  const book = entrypointHook(services.container(Trips), "book");
  await assert.rejects(
    book("LHR", "PARIS"),
    (err: unknown) => err instanceof RemoteError && err.excType === "ValueError",
  );
});

test("replaced dependencies on RabbitMQ", async () => {
  const { Trips } = makeServices();
  await using services = createServices([Trips], { transport: brokerUri() });
  const events: unknown[] = [];
  replaceDependencies(services.container(Trips), {
    airports: { get: async (id: string) => ({ id }) },
    dispatch: async (type, payload) => {
      events.push([type, payload]);
    },
  });
  await services.start();
  assert.equal(await services.service(Trips).book("OSL", "BGO"), "OSL-BGO");
  assert.deepEqual(events, [["trip_booked", { from: "OSL", to: "BGO" }]]);
});

/** docs/testing.md, "Waiting for an event handler". */
// #region waiter
import assert from "node:assert/strict";
import { test } from "node:test";
import { entrypointWaiter, startServices } from "enoki/testing";
import { AirportsService, HotelsService, TripsService } from "./travel.js";

test("booking a trip reserves a hotel room", async () => {
  await using services = await startServices([AirportsService, TripsService, HotelsService]);
  const reserved = entrypointWaiter(services.container(HotelsService), "onTripBooked");

  const trip = await services.service(TripsService).book("OSL", "CDG");

  assert.equal(await reserved.result(), `a room in CDG for trip ${trip.id}`);
});
// #endregion waiter

// #region dispatch
test("the hotels service on its own, with an event from the test", async () => {
  await using services = await startServices([HotelsService]);
  const hotels = services.container(HotelsService);
  {
    await using _handled = entrypointWaiter(hotels, "onTripBooked", { callback: (worker) => worker.ok });
    await services.dispatchEvent("trips", "trip_booked", { id: 1, from: "LHR", to: "OSL" });
  } // the block ends once a worker of onTripBooked has finished without an error
});
// #endregion dispatch

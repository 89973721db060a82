/** docs/testing.md, "Integration tests": services on the in-memory transport. */
// #region integration
import assert from "node:assert/strict";
import { test } from "node:test";
import { startServices } from "enoki/testing";
import { AirportsService, TripsService, UnknownAirport } from "./travel.js";

test("trips checks both airports with the airports service", async () => {
  await using services = await startServices([AirportsService, TripsService]);
  const trips = services.service(TripsService);

  const trip = await trips.book("LHR", "OSL");
  assert.deepEqual(trip, { id: trip.id, from: "LHR", to: "OSL" });
  await assert.rejects(trips.book("LHR", "XXX"), UnknownAirport);
});

// #endregion integration

// #region replace
import { HttpRequest } from "enoki";
import { createServices, entrypointHook, replaceDependencies } from "enoki/testing";
import { Gateway } from "./travel.js";

test("the gateway with the trips service replaced", async () => {
  await using services = createServices([Gateway, AirportsService]);
  replaceDependencies(services.container(Gateway), {
    trips: { book: async (from: string, to: string) => ({ id: 1, from, to }) },
  });
  await services.start();

  const book = entrypointHook(services.container(Gateway), "book");
  const response = await book(new HttpRequest({ method: "POST", body: '{"from":"LHR","to":"OSL"}' }));
  assert.equal(response.status, 201);
});
// #endregion replace

// #region http
test("the gateway over HTTP", async () => {
  await using services = await startServices([Gateway, AirportsService]);
  const response = await fetch(`${services.httpUrl}/airports/CDG`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { code: "CDG", name: "Paris Charles de Gaulle" });
});

// #endregion http

// #region restrict
import { restrictEntrypoints } from "enoki/testing";

test("only the airport page is served", async () => {
  await using services = createServices([Gateway, AirportsService]);
  restrictEntrypoints(services.container(Gateway), "airport");
  await services.start();

  assert.equal((await fetch(`${services.httpUrl}/airports/OSL`)).status, 200);
  assert.equal((await fetch(`${services.httpUrl}/trips`, { method: "POST" })).status, 404);
});
// #endregion restrict

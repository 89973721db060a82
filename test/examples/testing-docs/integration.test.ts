/** docs/testing.md, "Integration tests": the travel services on the in-memory transport. */
// #region integration
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryIdempotencyStore } from "enoki";
import { createServices, replaceDependencies } from "enoki/testing";
import { AirportsService } from "../../../examples/travel/airports.js";
import { NotFound, UnknownAirport } from "../../../examples/travel/errors.js";
import { TripsService } from "../../../examples/travel/trips.js";
import { MemoryRedis } from "./memory-redis.js";

test("trips_service books trips between the airports of airports_service", async () => {
  await using services = createServices([AirportsService, TripsService]);
  const redis = new MemoryRedis(); // one store for both services, as they share one Redis
  replaceDependencies(services.container(AirportsService), { redis });
  replaceDependencies(services.container(TripsService), { redis, idempotency: new MemoryIdempotencyStore() });
  await services.start();
  const airports = services.service(AirportsService);
  const trips = services.service(TripsService);

  const [heathrow, oslo] = await Promise.all([airports.create("Heathrow"), airports.create("Oslo")]);
  const tripId = await trips.create(heathrow, oslo);

  assert.deepEqual(await trips.get(tripId), { from: heathrow, to: oslo });
  await assert.rejects(trips.create(heathrow, "nowhere"), UnknownAirport);
  await assert.rejects(trips.get("nothing"), NotFound);
});

// #endregion integration

// #region http
import { GatewayService } from "../../../examples/travel/gateway.js";

test("the travel app over HTTP", async () => {
  await using services = createServices([GatewayService, AirportsService, TripsService]);
  const redis = new MemoryRedis();
  replaceDependencies(services.container(AirportsService), { redis });
  replaceDependencies(services.container(TripsService), { redis, idempotency: new MemoryIdempotencyStore() });
  await services.start();
  const post = (path: string, body: unknown) =>
    fetch(`${services.httpUrl}${path}`, { method: "POST", body: JSON.stringify(body) });

  const created = await post("/airport", { airport: "Heathrow" });
  assert.equal(created.status, 201);
  const airport = await fetch(`${services.httpUrl}${created.headers.get("location")}`);
  assert.deepEqual(await airport.json(), { airport: "Heathrow" });

  assert.equal((await fetch(`${services.httpUrl}/airport/nowhere`)).status, 404);
  const trip = await post("/trip", { airport_from: await created.text(), airport_to: "nowhere" });
  assert.equal(trip.status, 400);
  assert.deepEqual(await trip.json(), { error: "UnknownAirport", message: "No airport nowhere" });
});

// #endregion http

// #region hook
import { entrypointHook } from "enoki/testing";

test("trips_service books trips between airports it knows without airports_service", async () => {
  await using services = createServices([TripsService]);
  const redis = new MemoryRedis();
  await redis.sadd("travel:known-airports", "a1", "a2");
  replaceDependencies(services.container(TripsService), { redis, idempotency: new MemoryIdempotencyStore() });
  replaceDependencies(services.container(TripsService), "airports"); // a strict fake: must not be called
  await services.start();

  // create is @idempotent: a hooked run has no request, so it is given the key a request would carry
  const create = entrypointHook(services.container(TripsService), "create", { messageKey: "test:1" });
  const tripId = await create("a1", "a2");

  assert.deepEqual(await redis.hgetall(`travel:trip:${tripId}`), { from: "a1", to: "a2" });
});

// #endregion hook

// #region restrict
import { restrictEntrypoints } from "enoki/testing";

test("a gateway that serves only GET /airport/<id>", async () => {
  await using services = createServices([GatewayService]);
  const gateway = services.container(GatewayService);
  restrictEntrypoints(gateway, "getAirport");
  replaceDependencies(gateway, { airports: { get: async (_id: string) => "Heathrow" } });
  await services.start();

  assert.equal((await fetch(`${services.httpUrl}/airport/a1`)).status, 200);
  assert.equal((await fetch(`${services.httpUrl}/trip/t1`)).status, 404);
});
// #endregion restrict

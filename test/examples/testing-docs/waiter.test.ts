/** docs/testing.md, "Waiting for an event handler": trips_service hears of new airports. */
// #region waiter
import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryIdempotencyStore } from "enoki";
import { createServices, entrypointWaiter, replaceDependencies } from "enoki/testing";
import { AirportsService } from "../../../examples/travel/airports.js";
import { TripsService } from "../../../examples/travel/trips.js";
import { MemoryRedis } from "./memory-redis.js";

test("trips_service learns of every airport that airports_service creates", async () => {
  await using services = createServices([AirportsService, TripsService]);
  const redis = new MemoryRedis();
  replaceDependencies(services.container(AirportsService), { redis });
  replaceDependencies(services.container(TripsService), { redis, idempotency: new MemoryIdempotencyStore() });
  await services.start();
  const learnt = entrypointWaiter(services.container(TripsService), "airportCreated");

  const oslo = await services.service(AirportsService).create("Oslo");

  const worker = await learnt.done;
  assert.ok(worker.ok);
  assert.deepEqual(worker.args, [{ id: oslo, name: "Oslo" }]);
  assert.equal(await redis.sismember("travel:known-airports", oslo), 1);
});
// #endregion waiter

// #region dispatch
test("trips_service on its own, with events from the test", async () => {
  await using services = createServices([TripsService]);
  const redis = new MemoryRedis();
  replaceDependencies(services.container(TripsService), { redis, idempotency: new MemoryIdempotencyStore() });
  await services.start();
  const trips = services.container(TripsService);
  {
    await using _handled = entrypointWaiter(trips, "airportCreated", { callback: (worker) => worker.ok });
    await services.dispatchEvent("airports_service", "airport_created", { id: "a1", name: "Oslo" });
  } // the block ends once a worker of airportCreated has finished without an error
  assert.equal(await redis.sismember("travel:known-airports", "a1"), 1);

  const refused = entrypointWaiter(trips, "airportCreated");
  await services.dispatchEvent("airports_service", "airport_created", { name: "Nowhere" });
  await assert.rejects(refused.result(), /airport_created id must be a non-empty string/);
});
// #endregion dispatch

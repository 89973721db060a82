/** docs/testing.md, "Unit tests": the travel app's gateway with both services replaced. */
// #region unit
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { HttpError, HttpRequest } from "enoki";
import { workerFactory } from "enoki/testing";
import { NotFound } from "../../../examples/travel/errors.js";
import { GatewayService } from "../../../examples/travel/gateway.js";

test("POST /airport creates the airport and answers its id", async () => {
  const create = mock.fn(async (_airport: string) => "a1");
  const gateway = workerFactory(GatewayService, { airports: { create } });

  const response = await gateway.postAirport(new HttpRequest({ body: '{"airport": "Heathrow"}' }));

  assert.equal(response.status, 201);
  assert.equal(response.body, "a1");
  assert.equal(response.headers.location, "/airport/a1");
  assert.deepEqual(create.mock.calls[0]?.arguments, ["Heathrow"]);
});

test("GET /airport/<id> answers the airport's name", async () => {
  const gateway = workerFactory(GatewayService, { airports: { get: async (_id: string) => "Heathrow" } });
  const response = await gateway.getAirport(new HttpRequest(), "a1");
  assert.equal(response.status, 200);
  assert.deepEqual(JSON.parse(String(response.body)), { airport: "Heathrow" });
});

test("POST /trip creates the trip, GET /trip/<id> answers it", async () => {
  const trips = new Map<string, { from: string; to: string }>();
  const gateway = workerFactory(GatewayService, {
    trips: {
      create: async (from: string, to: string) => {
        trips.set("t1", { from, to });
        return "t1";
      },
      get: async (id: string) => trips.get(id) ?? Promise.reject(new NotFound(`No trip ${id}`)),
    },
  });

  const body = '{"airport_from": "a1", "airport_to": "a2"}';
  const created = await gateway.postTrip(new HttpRequest({ body }));
  assert.equal(created.status, 201);
  assert.equal(created.headers.location, "/trip/t1");

  const response = await gateway.getTrip(new HttpRequest(), "t1");
  assert.deepEqual(JSON.parse(String(response.body)), { trip: { from: "a1", to: "a2" } });
});
// #endregion unit

// #region errors
test("an unknown id is a 404", async () => {
  const gateway = workerFactory(GatewayService, {
    airports: {
      get: async (id: string) => {
        throw new NotFound(`No airport ${id}`); // as airports_service raises it
      },
    },
  });
  await assert.rejects(
    gateway.getAirport(new HttpRequest(), "nowhere"),
    (err) => err instanceof HttpError && err.status === 404 && err.message === "No airport nowhere",
  );
});

test("a body that is not a JSON object with the fields is a 400", async () => {
  const gateway = workerFactory(GatewayService); // no doubles: these requests must not reach trips
  const bodies = {
    "{not json": /not valid JSON/,
    '["a1", "a2"]': /Expected a JSON object with "airport_from" and "airport_to"/,
    '{"airport_from": "a1"}': /Missing "airport_to"/,
    '{"airport_from": "a1", "airport_to": 7}': /"airport_to" must be a non-empty string/,
  };
  for (const [body, message] of Object.entries(bodies)) {
    await assert.rejects(
      gateway.postTrip(new HttpRequest({ body })),
      (err) => err instanceof HttpError && err.status === 400 && message.test(err.message),
      body,
    );
  }
});

// #endregion errors

// #region types
import { ExtensionNotFound } from "enoki/testing";

test("doubles are checked", () => {
  // By the type checker, against the dependency they replace:
  // @ts-expect-error: airports_service's get resolves with the airport's name, not an object
  workerFactory(GatewayService, { airports: { get: async (id: string) => ({ id }) } });
  // and at run time, for a field that is not a dependency (in a test that casts, say):
  assert.throws(() => workerFactory(GatewayService, { hotels: {} } as object), ExtensionNotFound);
});

// #endregion types

// #region strict
import { MissingDouble } from "enoki/testing";

test("a dependency or a member the test gave no double for fails loudly", async () => {
  const gateway = workerFactory(GatewayService, { airports: { get: async (_id: string) => "Heathrow" } });
  await assert.rejects(gateway.getTrip(new HttpRequest(), "t1"), MissingDouble); // trips
  const body = '{"airport": "Heathrow"}';
  await assert.rejects(gateway.postAirport(new HttpRequest({ body })), MissingDouble); // airports.create
});
// #endregion strict

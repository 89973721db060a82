/** docs/testing.md, "Unit tests": the gateway with airports and trips replaced. */
// #region unit
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { HttpError, HttpRequest } from "enoki";
import { MissingDouble, workerFactory } from "enoki/testing";
import { Gateway, UnknownAirport } from "./travel.js";

test("GET /airports/<code> answers the airport as JSON", async () => {
  const gateway = workerFactory(Gateway, {
    airports: { get: async (code: string) => ({ code, name: "Heathrow" }) },
  });
  const response = await gateway.airport(new HttpRequest(), "LHR");
  assert.equal(response.status, 200);
  assert.deepEqual(JSON.parse(String(response.body)), { code: "LHR", name: "Heathrow" });
});

test("an unknown airport is a 404", async () => {
  const gateway = workerFactory(Gateway, {
    airports: {
      get: async (code: string) => {
        throw new UnknownAirport(code);
      },
    },
  });
  await assert.rejects(gateway.airport(new HttpRequest(), "XXX"), (err: unknown) => {
    return err instanceof HttpError && err.status === 404;
  });
});

test("POST /trips books the trip and points to it", async () => {
  const book = mock.fn(async (from: string, to: string) => ({ id: 7, from, to }));
  const gateway = workerFactory(Gateway, { trips: { book } });

  const request = new HttpRequest({ method: "POST", body: '{"from":"LHR","to":"CDG"}' });
  const response = await gateway.book(request);

  assert.equal(response.status, 201);
  assert.equal(response.headers.location, "/trips/7");
  assert.deepEqual(book.mock.calls[0]?.arguments, ["LHR", "CDG"]);
});
// #endregion unit

// #region strict
test("a dependency the test gave no double for fails loudly", async () => {
  const gateway = workerFactory(Gateway); // neither airports nor trips
  await assert.rejects(gateway.airport(new HttpRequest(), "LHR"), MissingDouble);
});
// #endregion strict

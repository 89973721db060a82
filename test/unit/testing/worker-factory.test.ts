import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  config,
  DependencyNotInjected,
  eventDispatcher,
  HttpRequest,
  type HttpResponse,
  rpc,
  rpcProxy,
  service,
} from "../../../src/index.js";
import { ExtensionNotFound, MissingDouble, workerFactory } from "../../../src/testing/index.js";
import { type Airports, Gateway, type TripEvents, Trips } from "./travel.js";

const airport = (id: string) => ({ id, name: `Airport ${id}` });

function bodyOf(response: unknown): unknown {
  return JSON.parse(String((response as HttpResponse).body));
}

describe("workerFactory", () => {
  test("runs a method with the given doubles; RPC doubles are plain functions", async () => {
    const calls: string[] = [];
    const gateway = workerFactory(Gateway, {
      airports: {
        get: async (id: string) => {
          calls.push(id);
          return airport(id);
        },
      },
    });
    assert.ok(gateway instanceof Gateway);
    const response = await gateway.airport(new HttpRequest({ url: "/airports/LHR" }), "LHR");
    assert.deepEqual(bodyOf(response), airport("LHR"));
    assert.deepEqual(calls, ["LHR"]);
  });

  test("a double's functions also answer callAsync and withOptions, like RPC methods", async () => {
    @service("async_user")
    class AsyncUser {
      airports = rpcProxy<Airports>("airports");
      @rpc
      async both(a: string, b: string) {
        const first = this.airports.get.callAsync(a);
        const second = this.airports.get.withOptions({ timeoutMs: 5 })(b);
        return [await first.result(), await second];
      }
    }
    const worker = workerFactory(AsyncUser, { airports: { get: (id: string) => airport(id) } });
    assert.deepEqual(await worker.both("LHR", "CDG"), [airport("LHR"), airport("CDG")]);
    const failing = workerFactory(AsyncUser, {
      airports: {
        get: () => {
          throw new Error("down");
        },
      },
    });
    await assert.rejects(failing.both("LHR", "CDG"), /down/);
  });

  test("a dependency given no double is a strict fake that names itself when used", async () => {
    const trips = workerFactory(Trips, { airports: { get: async (id: string) => airport(id) } });
    await assert.rejects(trips.book("LHR", "CDG"), (err: unknown) => {
      assert.ok(err instanceof MissingDouble);
      assert.equal(err.field, "dispatch");
      assert.match(err.message, /^Trips\.dispatch was replaced by a strict fake \(workerFactory\)/);
      assert.match(err.message, /used dispatch\(\.\.\.\): give a test double for dispatch$/);
      return true;
    });
    const gateway = workerFactory(Gateway);
    await assert.rejects(
      gateway.airport(new HttpRequest(), "LHR"),
      (err: unknown) => err instanceof MissingDouble && /the code used airports\.get:/.test(err.message),
    );
  });

  test("a member missing from a double throws, naming it; one given as undefined reads undefined", async () => {
    @service("cfg_user")
    class ConfigUser {
      config = config<{ GREETING?: string; NAME?: string }>();
      @rpc
      greet() {
        return `${this.config.GREETING ?? "Hello"}, ${this.config.NAME}`;
      }
    }
    const worker = workerFactory(ConfigUser, { config: { NAME: "Ada" } });
    assert.throws(
      () => worker.greet(),
      (err: unknown) =>
        err instanceof MissingDouble &&
        err.field === "config" &&
        err.member === "GREETING" &&
        err.message ===
          "The test double for ConfigUser.config has no GREETING (the code used config.GREETING): " +
            "add it to the double given to workerFactory",
    );
    const lenient = workerFactory(ConfigUser, { config: { NAME: "Ada", GREETING: undefined } });
    assert.equal(lenient.greet(), "Hello, Ada");
  });

  test("awaiting or serialising a double is not a use of a missing member", async () => {
    @service("probe_user")
    class ProbeUser {
      config = config();
    }
    const worker = workerFactory(ProbeUser, { config: { a: 1 } });
    assert.deepEqual(await Promise.resolve(worker.config), { a: 1 });
    assert.equal(JSON.stringify(worker.config), '{"a":1}');
    const bare = workerFactory(ProbeUser);
    assert.equal(await Promise.resolve(bare.config).then(() => "resolved"), "resolved");
  });

  test("a class instance is a double: its methods run with their own this (private fields work)", async () => {
    class FakeAirports {
      #known = new Map([["LHR", airport("LHR")]]);
      async get(id: string) {
        const found = this.#known.get(id);
        if (found === undefined) throw new Error(`unknown ${id}`);
        return found;
      }
    }
    const gateway = workerFactory(Gateway, { airports: new FakeAirports() });
    assert.deepEqual(bodyOf(await gateway.airport(new HttpRequest(), "LHR")), airport("LHR"));
    await assert.rejects(gateway.airport(new HttpRequest(), "CDG"), /unknown CDG/);
  });

  test("a function dependency takes a function double", async () => {
    const events: unknown[] = [];
    const trips = workerFactory(Trips, {
      airports: { get: async (id: string) => airport(id) },
      dispatch: async (type, payload) => {
        events.push([type, payload]);
      },
    });
    const trip = await trips.book("LHR", "CDG");
    assert.deepEqual(events, [["trip_booked", trip]]);
  });

  test("a name that is not a dependency is ExtensionNotFound", () => {
    assert.throws(
      // @ts-expect-error: Gateway has no dependency "hotels"
      () => workerFactory(Gateway, { hotels: {} }),
      (err: unknown) =>
        err instanceof ExtensionNotFound &&
        err.message ===
          "workerFactory(Gateway): no dependency named hotels (its dependencies: airports, trips)",
    );
  });

  test("each call makes a fresh instance; the class itself is untouched", () => {
    @service("dispatching")
    class Dispatching {
      dispatch = eventDispatcher<TripEvents>();
    }
    const a = workerFactory(Dispatching, { dispatch: async () => undefined });
    const b = workerFactory(Dispatching);
    assert.notEqual(a, b);
    assert.throws(() => b.dispatch("trip_booked", { id: 1, from: "a", to: "b" }), MissingDouble);
    assert.throws(
      () => new Dispatching().dispatch("trip_booked", { id: 1, from: "a", to: "b" }),
      DependencyNotInjected,
    );
  });

  test("a class without @service works too", () => {
    class Plain {
      config = config();
      value() {
        return this.config.x;
      }
    }
    assert.equal(workerFactory(Plain, { config: { x: 42 } }).value(), 42);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dependency, RemoteError, rpc, service } from "../../../src/index.js";
import {
  createServices,
  ExtensionNotFound,
  MissingDouble,
  replaceDependencies,
  startServices,
} from "../../../src/testing/index.js";
import { Airports, Trips } from "./travel.js";

@service("stores")
class Stores {
  /** A dependency that cannot start here: replacing it must keep it from running at all. */
  db = dependency<{ find(id: string): Promise<string> }>("db()", () => ({
    name: "db",
    setup: async () => {
      throw new Error("no database here");
    },
    get: () => ({ find: async (id: string) => id }),
  }));
  cache = dependency<Map<string, string>>("cache()", () => ({ name: "cache", get: () => new Map() }));

  @rpc
  async find(id: string) {
    return this.db.find(id);
  }
}

describe("replaceDependencies", () => {
  test("with doubles: workers get them, and the replaced providers never run", async () => {
    await using services = createServices([Stores]);
    const replaced = replaceDependencies(services.container(Stores), {
      db: { find: async (id: string) => `found ${id}` },
    });
    await services.start();
    assert.equal(await services.service(Stores).find("a"), "found a");
    assert.equal(await replaced.db.find("b"), "found b");
  });

  test("by name: a strict fake, and its use reaches the caller as MissingDouble", async () => {
    await using services = createServices([Stores]);
    const db = replaceDependencies(services.container(Stores), "db");
    await services.start();
    await assert.rejects(
      services.service(Stores).find("a"),
      (err: unknown) =>
        err instanceof RemoteError &&
        err.excType === "MissingDouble" &&
        /^Stores\.db was replaced by a strict fake \(replaceDependencies\), and the code used db\.find/.test(
          err.value,
        ),
    );
    assert.throws(() => db.find("x"), MissingDouble);
  });

  test("several names return their fakes in order", async () => {
    await using services = createServices([Stores]);
    const [db, cache] = replaceDependencies(services.container(Stores), "db", "cache");
    assert.throws(() => db.find("x"), /Stores\.db/);
    assert.throws(() => cache.get("x"), /Stores\.cache/);
  });

  test("replacing an rpcProxy removes the reply listener it needed", async () => {
    await using services = createServices([Trips, Airports]);
    const trips = services.container(Trips);
    const before = trips.sharedExtensions.map((e) => e.name);
    assert.ok(
      before.some((name) => name.includes("reply")),
      before.join(),
    );
    replaceDependencies(trips, { airports: { get: async (id: string) => ({ id, name: "fake" }) } });
    assert.ok(!trips.sharedExtensions.some((e) => e.name.includes("reply")));
    await services.start();
    assert.equal((await services.service(Trips).book("LHR", "CDG")).to, "CDG");
  });

  test("unknown names are ExtensionNotFound, and nothing is replaced", async () => {
    await using services = createServices([Stores]);
    const container = services.container(Stores);
    assert.throws(
      // @ts-expect-error: Stores has no dependency "files"
      () => replaceDependencies(container, { db: { find: async () => "x" }, files: {} }),
      (err: unknown) =>
        err instanceof ExtensionNotFound &&
        err.message === "stores has no dependency named files (its dependencies: db, cache)",
    );
    assert.equal(container.dependencies.get("db")?.name, "db");
  });

  test("only before start", async () => {
    await using services = await startServices([Airports, Trips]);
    assert.throws(
      () => replaceDependencies(services.container(Trips), "airports"),
      /^Error: Replace dependencies before the container starts: trips is running$/,
    );
  });
});

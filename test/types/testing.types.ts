/**
 * Type tests for enoki/testing: doubles are checked against the dependencies they replace, and
 * hooks, waiters and the other helpers against the service's methods and fields. Checked by `tsc`
 * (npm run typecheck, and test/types/typecheck.test.ts): every `@ts-expect-error` line must be
 * an error, or tsc fails.
 */

import { ServiceContainer } from "../../src/core/container.js";
import {
  config,
  eventDispatcher,
  eventHandler,
  HttpRequest,
  http,
  type RpcClient,
  rpc,
  rpcProxy,
  service,
  workerContext,
} from "../../src/index.js";
import {
  type Double,
  entrypointHook,
  entrypointWaiter,
  replaceDependencies,
  restrictEntrypoints,
  startServices,
  workerFactory,
} from "../../src/testing/index.js";
import type { MemoryTransport } from "../../src/transport/memory/memory-transport.js";

interface Airport {
  id: string;
  name: string;
  opened: Date;
}

@service("airports")
class Airports {
  @rpc
  async get(id: string): Promise<Airport> {
    return { id, name: "x", opened: new Date() };
  }

  @rpc
  count(): number {
    return 1;
  }
}

type TripEvents = { trip_booked: { id: number } };

@service("gateway")
class Gateway {
  airports = rpcProxy<Airports>("airports");
  python = rpcProxy("python_service");
  dispatch = eventDispatcher<TripEvents>();
  config = config<{ LIMIT?: number }>();
  ctx = workerContext();

  @http("GET", "/airports/<id>")
  async airport(_request: HttpRequest, id: string) {
    return (await this.airports.get(id)).name;
  }

  @eventHandler<TripEvents, "trip_booked">("trips", "trip_booked")
  onBooked(trip: { id: number }): number {
    return trip.id;
  }

  helper(): string {
    return "not an entrypoint, but a method";
  }
}

// --- workerFactory ------------------------------------------------------------------------------

// An RPC client's double: plain functions, with the wire's types (a Date arrives as a string).
workerFactory(Gateway, {
  airports: { get: async (id: string) => ({ id, name: "Heathrow", opened: "2020-01-01" }) },
});
// Synchronous results, and leaving methods out, are fine.
workerFactory(Gateway, { airports: { count: () => 3 } });
workerFactory(Gateway, {});
workerFactory(Gateway);

// @ts-expect-error: the wrong argument type
workerFactory(Gateway, { airports: { get: async (_id: number) => ({ id: "x", name: "y", opened: "z" }) } });
// @ts-expect-error: a Date is not what comes off the wire
workerFactory(Gateway, { airports: { get: async (id: string) => ({ id, name: "y", opened: new Date() }) } });
// @ts-expect-error: a missing field in the result
workerFactory(Gateway, { airports: { get: async (id: string) => ({ id }) } });
// @ts-expect-error: the client has no such method
workerFactory(Gateway, { airports: { list: async () => [] } });
// @ts-expect-error: not a dependency
workerFactory(Gateway, { trips: {} });

// An untyped client accepts any method.
workerFactory(Gateway, { python: { anything: (..._args: unknown[]) => 1 } });

// A function dependency takes a function of its type.
workerFactory(Gateway, { dispatch: async (_type, payload) => void payload.id });
// @ts-expect-error: an event type the map does not have
workerFactory(Gateway, { dispatch: async (type: "trip_cancelled", _payload: unknown) => void type });
// @ts-expect-error: a function dependency's double must be a function
workerFactory(Gateway, { dispatch: {} });

// Config doubles are checked against the declared config type.
workerFactory(Gateway, { config: { LIMIT: 3 } });
// @ts-expect-error: LIMIT is a number
workerFactory(Gateway, { config: { LIMIT: "3" } });

// The worker is the service type, with its real methods.
const worker: Gateway = workerFactory(Gateway);
void worker.airport(new HttpRequest(), "LHR");

// Double<T> is usable on its own, to build a double outside the call.
const airportsDouble: Double<Gateway["airports"]> = { count: () => 1 };
workerFactory(Gateway, { airports: airportsDouble });

// --- containers: hooks, waiters, replacements, restrictions ------------------------------------

declare const transport: MemoryTransport;
const container = new ServiceContainer(Gateway, { transport });

const airport = entrypointHook(container, "airport");
const name: Promise<string> = airport(new HttpRequest(), "LHR");
// @ts-expect-error: the hook takes the method's parameters
void airport("LHR");
// @ts-expect-error: no such method
entrypointHook(container, "nothing");
// @ts-expect-error: a dependency field is not an entrypoint
entrypointHook(container, "airports");
// A method without an entrypoint type-checks (found out at run time: ExtensionNotFound).
entrypointHook(container, "helper");

const waiter = entrypointWaiter(container, "onBooked", {
  callback: (worker) => worker.ok && worker.result === worker.args[0].id,
});
const id: Promise<number> = waiter.result();
void waiter.done.then((worker) => {
  const tripId: number = worker.args[0].id;
  // @ts-expect-error: the result is only there when the worker succeeded
  void worker.result;
  return tripId;
});
// @ts-expect-error: no such method
entrypointWaiter(container, "onCancelled");

replaceDependencies(container, { airports: { get: async (id: string) => ({ id, name: "n", opened: "o" }) } });
const fake: RpcClient<Airports> = replaceDependencies(container, "airports");
const [dispatchFake, configFake] = replaceDependencies(container, "dispatch", "config");
void dispatchFake("trip_booked", { id: 1 });
void configFake.LIMIT;
// @ts-expect-error: not a dependency
replaceDependencies(container, "trips");
// @ts-expect-error: not a dependency
replaceDependencies(container, { trips: {} });
// @ts-expect-error: a wrong double
replaceDependencies(container, { airports: { get: async (id: number) => id } });

restrictEntrypoints(container, "airport", "onBooked");
// @ts-expect-error: no such method
restrictEntrypoints(container, "nothing");

// An untyped container (its class unknown here) takes any names.
declare const untyped: ServiceContainer;
entrypointHook(untyped, "anything");
entrypointWaiter(untyped, "anything");
replaceDependencies(untyped, "anything");
replaceDependencies(untyped, { anything: 1 });
restrictEntrypoints(untyped, "anything");

// startServices: containers and clients typed from the classes.
async function services() {
  await using running = await startServices([Gateway, Airports]);
  const count: number = await running.service(Airports).count();
  // @ts-expect-error: Airports has no method "list"
  void running.service(Airports).list;
  const gateway = running.container(Gateway);
  const hook = entrypointHook(gateway, "onBooked");
  const tripId: number = await hook({ id: 1 });
  return [count, tripId, name, id, fake];
}
void services;

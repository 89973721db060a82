/**
 * A small travel system for the test helpers' tests: airports, trips (calling airports and
 * dispatching events), hotels (handling them) and an HTTP gateway.
 */
import {
  eventDispatcher,
  eventHandler,
  HttpError,
  type HttpRequest,
  http,
  json,
  rpc,
  rpcProxy,
  ServiceError,
  service,
} from "../../../src/index.js";

export class UnknownAirport extends ServiceError {}

export interface Airport {
  id: string;
  name: string;
}

export interface Trip {
  id: number;
  from: string;
  to: string;
}

export type TripEvents = { trip_booked: Trip };

@service("airports")
export class Airports {
  @rpc({ expected: [UnknownAirport] })
  get(id: string): Airport {
    if (id === "XXX") throw new UnknownAirport(id);
    return { id, name: `Airport ${id}` };
  }
}

let lastTrip = 0;

@service("trips")
export class Trips {
  airports = rpcProxy<Airports>("airports");
  dispatch = eventDispatcher<TripEvents>();

  @rpc
  async book(from: string, to: string): Promise<Trip> {
    await this.airports.get(from);
    await this.airports.get(to);
    const trip = { id: ++lastTrip, from, to };
    await this.dispatch("trip_booked", trip);
    return trip;
  }
}

@service("hotels")
export class Hotels {
  @eventHandler<TripEvents, "trip_booked">("trips", "trip_booked")
  onTripBooked(trip: Trip): string {
    if (trip.to === "NOWHERE") throw new Error(`no hotel in ${trip.to}`);
    return `a room in ${trip.to}`;
  }
}

@service("gateway")
export class Gateway {
  airports = rpcProxy<Airports>("airports");
  trips = rpcProxy<Trips>("trips");

  @http("GET", "/airports/<id>")
  async airport(_request: HttpRequest, id: string) {
    if (id.length !== 3) throw new HttpError(400, "airport codes have 3 letters");
    return json(await this.airports.get(id));
  }

  @http("POST", "/trips")
  async book(request: HttpRequest) {
    const { from, to } = request.json<{ from: string; to: string }>();
    return json(await this.trips.book(from, to), 201);
  }
}

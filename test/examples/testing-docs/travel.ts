/**
 * The services docs/testing.md tests: a small travel system. An HTTP gateway calls the airports
 * and trips services over RPC; booking a trip dispatches an event that the hotels service handles.
 */
// #region services
import {
  eventDispatcher,
  eventHandler,
  HttpError,
  type HttpRequest,
  http,
  json,
  registerRemoteError,
  rpc,
  rpcProxy,
  ServiceError,
  service,
} from "enoki";

export interface Airport {
  code: string;
  name: string;
}

export interface Trip {
  id: number;
  from: string;
  to: string;
}

export type TripEvents = { trip_booked: Trip };

export class UnknownAirport extends ServiceError {}
registerRemoteError(UnknownAirport, "airports.UnknownAirport");

const AIRPORTS: Record<string, string> = { LHR: "Heathrow", CDG: "Paris Charles de Gaulle", OSL: "Oslo" };

@service("airports")
export class AirportsService {
  @rpc({ expected: [UnknownAirport] })
  get(code: string): Airport {
    const name = AIRPORTS[code];
    if (name === undefined) throw new UnknownAirport(code);
    return { code, name };
  }
}

let lastTripId = 0;

@service("trips")
export class TripsService {
  airports = rpcProxy<AirportsService>("airports");
  dispatch = eventDispatcher<TripEvents>();

  @rpc
  async book(from: string, to: string): Promise<Trip> {
    await Promise.all([this.airports.get(from), this.airports.get(to)]);
    const trip = { id: ++lastTripId, from, to };
    await this.dispatch("trip_booked", trip);
    return trip;
  }
}

@service("hotels")
export class HotelsService {
  @eventHandler<TripEvents, "trip_booked">("trips", "trip_booked")
  async onTripBooked(trip: Trip): Promise<string> {
    return `a room in ${trip.to} for trip ${trip.id}`;
  }
}
// #endregion services

// #region gateway
@service("gateway")
export class Gateway {
  airports = rpcProxy<AirportsService>("airports");
  trips = rpcProxy<TripsService>("trips");

  @http("GET", "/airports/<code>")
  async airport(_request: HttpRequest, code: string) {
    try {
      return json(await this.airports.get(code));
    } catch (err) {
      if (err instanceof UnknownAirport) throw new HttpError(404, `No airport ${code}`);
      throw err;
    }
  }

  @http("POST", "/trips")
  async book(request: HttpRequest) {
    const { from, to } = request.json<{ from?: string; to?: string }>();
    if (!from || !to) throw new HttpError(400, "from and to are required");
    const trip = await this.trips.book(from, to);
    return json(trip, 201, { location: `/trips/${trip.id}` });
  }
}
// #endregion gateway

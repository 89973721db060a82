/**
 * The gateway: the travel app's HTTP API, in front of airports_service and trips_service.
 *
 *     POST /airport  {"airport": name}                         201, the new airport's id
 *     GET  /airport/<id>                                       {"airport": name}
 *     POST /trip     {"airport_from": id, "airport_to": id}    201, the new trip's id
 *     GET  /trip/<id>                                          {"trip": {"from": id, "to": id}}
 *
 * Errors are JSON, `{"error": ..., "message": ...}`: 400 for a body that is not a JSON object
 * with the fields as non-empty strings, and for a trip between unknown airports; 404 for unknown
 * ids; 405 for other methods; 503 when a service does not answer.
 *
 *     npx enoki run examples/travel/gateway.ts --config examples/travel/config.yml
 */
import {
  HttpError,
  type HttpRequest,
  HttpResponse,
  http,
  json,
  RpcTimeout,
  rpcProxy,
  service,
  UnknownService,
} from "enoki";
import type { AirportsService } from "./airports.js";
import { NotFound } from "./errors.js";
import type { TripsService } from "./trips.js";

@service("gateway")
export class GatewayService {
  airports = rpcProxy<AirportsService>("airports_service");
  trips = rpcProxy<TripsService>("trips_service");

  @http("GET", "/airport/<string:airportId>")
  async getAirport(_request: HttpRequest, airportId: string): Promise<HttpResponse> {
    const airport = await asHttp(this.airports.get(airportId));
    return json({ airport });
  }

  @http("POST", "/airport")
  async postAirport(request: HttpRequest): Promise<HttpResponse> {
    const { airport } = fields(request, ["airport"]);
    const airportId = await asHttp(this.airports.create(airport));
    return created(`/airport/${airportId}`, airportId);
  }

  @http("GET", "/trip/<string:tripId>")
  async getTrip(_request: HttpRequest, tripId: string): Promise<HttpResponse> {
    const trip = await asHttp(this.trips.get(tripId));
    return json({ trip });
  }

  /** trips_service checks that both airports exist: its `UnknownAirport` is a 400. */
  @http("POST", "/trip")
  async postTrip(request: HttpRequest): Promise<HttpResponse> {
    const trip = fields(request, ["airport_from", "airport_to"]);
    const tripId = await asHttp(this.trips.create(trip.airport_from, trip.airport_to));
    return created(`/trip/${tripId}`, tripId);
  }
}

/**
 * The body's JSON object, with each of `names` a non-empty string (other fields are ignored).
 * @throws HttpError 400 otherwise; `request.json()` already does for a body that is not JSON.
 */
function fields<K extends string>(request: HttpRequest, names: readonly K[]): Record<K, string> {
  const body: unknown = request.json();
  const expected = names.map((name) => `"${name}"`).join(" and ");
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, `Expected a JSON object with ${expected}`);
  }
  const missing = names.filter((name) => !Object.hasOwn(body, name));
  if (missing.length > 0) throw new HttpError(400, `Missing ${missing.map((n) => `"${n}"`).join(" and ")}`);
  const values = {} as Record<K, string>;
  for (const name of names) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value !== "string" || value.trim() === "") {
      throw new HttpError(400, `"${name}" must be a non-empty string`);
    }
    values[name] = value;
  }
  return values;
}

/**
 * The result of an RPC call, with the errors that mean something over HTTP turned into
 * `HttpError`s: `NotFound` → 404, a service that is not running or not answering → 503. The
 * services' `BadRequest`s (`UnknownAirport`) pass through: `@http` answers them with 400.
 */
async function asHttp<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (err instanceof NotFound) throw new HttpError(404, err.message, { cause: err });
    if (err instanceof UnknownService || err instanceof RpcTimeout) {
      throw new HttpError(503, err.message, { cause: err, headers: { "retry-after": "5" } });
    }
    throw err;
  }
}

/** 201 Created: the new id as text, as the article's gateway returns it, and where to GET it. */
function created(location: string, id: string): HttpResponse {
  return new HttpResponse(id, { status: 201, headers: { location } });
}

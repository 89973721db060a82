/**
 * The trips service: trips between two airports in Redis, by generated id. Before storing a trip
 * it makes sure both airports exist: it keeps the ids of the airports it has heard of (from
 * airports_service's `airport_created` events, and from its own checks), and asks
 * airports_service only about the others. So trips between known airports can still be booked
 * while airports_service is down.
 *
 *     npx enoki run examples/travel/trips.ts --config examples/travel/config.yml
 */
import { config, eventHandler, idempotent, rpc, rpcProxy, service } from "enoki";
import { idempotencyStore, redis } from "enoki/redis";
import type { AirportEvents, AirportsService } from "./airports.js";
import { InvalidArgument, NotFound, requireText, UnknownAirport } from "./errors.js";
import { newId, storageKey, type TravelConfig } from "./storage.js";

/** A trip: the ids of its two airports. */
export interface Trip {
  from: string;
  to: string;
}

@service("trips_service")
export class TripsService {
  redis = redis("development");
  config = config<TravelConfig>();
  airports = rpcProxy<AirportsService>("airports_service");
  /** Which `create` requests ran, and the id each made (in the same Redis). */
  idempotency = idempotencyStore("development");

  /**
   * A trip, as an object (the article stored a Python dict with `SET`, and read back its repr).
   * @throws NotFound when no trip has this id.
   */
  @rpc({ expected: [NotFound, InvalidArgument] })
  async get(tripId: string): Promise<Trip> {
    requireText(tripId, "tripId");
    const trip = await this.redis.hgetall(storageKey(this.config, "trip", tripId));
    if (trip.from === undefined || trip.to === undefined) throw new NotFound(`No trip ${tripId}`);
    return { from: trip.from, to: trip.to };
  }

  /**
   * Stores a new trip and returns its id. Once per request: a request delivered again (its
   * process died before acknowledging it, and another instance took it) returns the id the
   * first delivery made rather than storing a second trip.
   * @throws UnknownAirport when either airport does not exist.
   */
  @rpc({ expected: [UnknownAirport, InvalidArgument] })
  // Copies of a request come while its caller waits (an Enoki caller's request expires in the
  // broker when it stops waiting): an hour is ample, where the default keeps results a day.
  @idempotent((trips: TripsService) => trips.idempotency, { ttlMs: 60 * 60 * 1000 })
  async create(airportFromId: string, airportToId: string): Promise<string> {
    requireText(airportFromId, "airportFromId");
    requireText(airportToId, "airportToId");
    await Promise.all([this.#requireAirport(airportFromId), this.#requireAirport(airportToId)]);
    const tripId = newId();
    await this.redis.hset(storageKey(this.config, "trip", tripId), { from: airportFromId, to: airportToId });
    return tripId;
  }

  /**
   * Remembers each new airport. Airports are never deleted, so what this set holds stays true;
   * an airport created before this handler's queue existed is learnt by `#requireAirport`.
   */
  @eventHandler<AirportEvents, "airport_created">("airports_service", "airport_created")
  async airportCreated(airport: AirportEvents["airport_created"]): Promise<void> {
    // Events come from the wire: a malformed one is refused (and logged), not stored.
    requireText(airport?.id, "airport_created id");
    await this.redis.sadd(storageKey(this.config, "known-airports"), airport.id);
  }

  async #requireAirport(airportId: string): Promise<void> {
    const known = storageKey(this.config, "known-airports");
    if ((await this.redis.sismember(known, airportId)) === 1) return;
    try {
      await this.airports.get(airportId);
    } catch (err) {
      if (err instanceof NotFound) throw new UnknownAirport(`No airport ${airportId}`);
      throw err;
    }
    await this.redis.sadd(known, airportId);
  }
}

/**
 * The trips service: trips between two airports in Redis, by generated id. It checks with
 * airports_service that both airports exist before storing a trip.
 *
 *     npx enoki run examples/travel/trips.ts --config examples/travel/config.yml
 */
import { config, rpc, rpcProxy, service } from "enoki";
import { redis } from "enoki/redis";
import type { AirportsService } from "./airports.js";
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
   * Stores a new trip and returns its id.
   * @throws UnknownAirport when either airport does not exist.
   */
  @rpc({ expected: [UnknownAirport, InvalidArgument] })
  async create(airportFromId: string, airportToId: string): Promise<string> {
    requireText(airportFromId, "airportFromId");
    requireText(airportToId, "airportToId");
    await Promise.all([this.#requireAirport(airportFromId), this.#requireAirport(airportToId)]);
    const tripId = newId();
    await this.redis.hset(storageKey(this.config, "trip", tripId), { from: airportFromId, to: airportToId });
    return tripId;
  }

  async #requireAirport(airportId: string): Promise<void> {
    try {
      await this.airports.get(airportId);
    } catch (err) {
      if (err instanceof NotFound) throw new UnknownAirport(`No airport ${airportId}`);
      throw err;
    }
  }
}

/**
 * The airports service: airport names in Redis, by generated id. It announces every new airport
 * with an `airport_created` event (trips_service keeps the ids it hears of).
 *
 *     npx enoki run examples/travel/airports.ts --config examples/travel/config.yml
 */
import { config, eventDispatcher, rpc, service } from "enoki";
import { redis } from "enoki/redis";
import { InvalidArgument, NotFound, requireText } from "./errors.js";
import { newId, storageKey, type TravelConfig } from "./storage.js";

/** The events airports_service dispatches, by type: what handlers receive. */
export type AirportEvents = {
  airport_created: { id: string; name: string };
};

@service("airports_service")
export class AirportsService {
  redis = redis("development");
  config = config<TravelConfig>();
  dispatch = eventDispatcher<AirportEvents>();

  /**
   * The name of an airport.
   * @throws NotFound when no airport has this id (the article's version returned `None`).
   */
  @rpc({ expected: [NotFound, InvalidArgument] })
  async get(airportId: string): Promise<string> {
    requireText(airportId, "airportId");
    const airport = await this.redis.get(storageKey(this.config, "airport", airportId));
    if (airport === null) throw new NotFound(`No airport ${airportId}`);
    return airport;
  }

  /** Stores a new airport, announces it (`airport_created`), and returns its id. */
  @rpc({ expected: [InvalidArgument] })
  async create(airport: string): Promise<string> {
    requireText(airport, "airport");
    const airportId = newId();
    await this.redis.set(storageKey(this.config, "airport", airportId), airport);
    // Stored first, then announced: whoever hears of the airport can read it.
    await this.dispatch("airport_created", { id: airportId, name: airport });
    return airportId;
  }
}

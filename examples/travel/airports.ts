/**
 * The airports service: airport names in Redis, by generated id.
 *
 *     npx enoki run examples/travel/airports.ts --config examples/travel/config.yml
 */
import { config, rpc, service } from "enoki";
import { redis } from "enoki/redis";
import { InvalidArgument, NotFound, requireText } from "./errors.js";
import { newId, storageKey, type TravelConfig } from "./storage.js";

@service("airports_service")
export class AirportsService {
  redis = redis("development");
  config = config<TravelConfig>();

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

  /** Stores a new airport and returns its id. */
  @rpc({ expected: [InvalidArgument] })
  async create(airport: string): Promise<string> {
    requireText(airport, "airport");
    const airportId = newId();
    await this.redis.set(storageKey(this.config, "airport", airportId), airport);
    return airportId;
  }
}

/**
 * The travel app's errors. Each is registered under a wire path in this module, which the
 * services and the gateway all import: an error raised by airports_service reaches the gateway as
 * the same class (`err instanceof NotFound`), not as a generic `RemoteError`. A Python service
 * raising an error with the same `exc_path` would be rebuilt as it too.
 */
import { BadRequest, registerRemoteError, ServiceError } from "enoki";

/** No airport or trip has the id asked for. The gateway answers 404. */
export class NotFound extends ServiceError {}

/**
 * A trip names an airport that does not exist. A `BadRequest`, so an `@http` handler that lets it
 * through answers 400 with `{"error": "UnknownAirport", ...}`.
 */
export class UnknownAirport extends BadRequest {}

/** An argument is not a non-empty string. Also a `BadRequest`: 400 over HTTP. */
export class InvalidArgument extends BadRequest {}

registerRemoteError(NotFound, "travel.errors.NotFound");
registerRemoteError(UnknownAirport, "travel.errors.UnknownAirport");
registerRemoteError(InvalidArgument, "travel.errors.InvalidArgument");

/**
 * Returns `value` when it is a non-empty string. RPC callers are not only the gateway (the shell,
 * a Python service), so the services check their arguments themselves.
 * @throws InvalidArgument naming `what` otherwise.
 */
export function requireText(value: unknown, what: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidArgument(`${what} must be a non-empty string`);
  }
  return value;
}

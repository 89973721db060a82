/**
 * Type tests for typed events, publishers and timers: checked by `npm run typecheck`, never run.
 * Every `@ts-expect-error` line must be an error, or the check fails.
 */
import {
  type Dispatch,
  type EventPayload,
  eventDispatcher,
  eventHandler,
  type Publish,
  publisher,
  service,
  timer,
} from "../../src/index.js";

/** What a producing service exports. */
type AirportEvents = {
  airport_created: { id: string; name: string };
  airport_closed: { id: string };
};

/** An interface works as an event map too. */
interface TripEvents {
  trip_booked: { tripId: string; seats: number };
}

@service("airports_service")
export class Airports {
  dispatch = eventDispatcher<AirportEvents>();
  trips = eventDispatcher<TripEvents>();
  untyped = eventDispatcher();
  publish = publisher({ exchange: "x" });

  async ok() {
    await this.dispatch("airport_created", { id: "1", name: "Heathrow" });
    await this.dispatch("airport_closed", { id: "1" });
    await this.trips("trip_booked", { tripId: "t", seats: 2 });
    await this.untyped("anything", { at: "all" });
    await this.publish({ any: "payload" }, { routingKey: "k", headers: { "x-a": 1 } });
    const d: Dispatch<AirportEvents> = this.dispatch;
    const p: Publish = this.publish;
    return [d, p];
  }

  async wrong() {
    // @ts-expect-error unknown event type
    await this.dispatch("airport_renamed", { id: "1" });
    // @ts-expect-error payload missing a field
    await this.dispatch("airport_created", { id: "1" });
    // @ts-expect-error payload of the wrong type
    await this.dispatch("airport_closed", { id: 1 });
    // @ts-expect-error payload of another event
    await this.trips("trip_booked", { id: "1" });
    // @ts-expect-error an unknown option
    await this.publish({}, { routingKy: "k" });
  }
}

@service("listener")
export class Listener {
  @eventHandler<AirportEvents, "airport_created">("airports_service", "airport_created")
  created(airport: { id: string; name: string }) {
    return airport.name;
  }

  @eventHandler<AirportEvents, "airport_closed">("airports_service", "airport_closed")
  closedLoose(airport: { id: string }, ..._rest: unknown[]) {
    return airport.id;
  }

  @eventHandler("airports_service", "airport_created")
  withHelper(airport: EventPayload<AirportEvents, "airport_created">) {
    return airport.id;
  }

  @eventHandler("python_service", "anything")
  untyped(payload: { whatever: number }) {
    return payload;
  }

  // @ts-expect-error the handler's payload type does not match the event's
  @eventHandler<AirportEvents, "airport_created">("airports_service", "airport_created")
  wrongPayload(airport: { id: number }) {
    return airport;
  }

  // @ts-expect-error not an event of the map
  @eventHandler<AirportEvents, "airport_renamed">("airports_service", "airport_renamed")
  unknownEvent() {}

  // @ts-expect-error a handler takes a single payload argument
  @eventHandler<AirportEvents, "airport_closed">("airports_service", "airport_closed")
  twoArguments(_a: { id: string }, _b: string) {}

  @timer({ interval: 5 })
  tick() {}

  // @ts-expect-error a timer method is called with no arguments
  @timer({ interval: 5 })
  tickWithArgument(_n: number) {}
}

/**
 * Typed events: the producing service exports an event map (event type → payload type), and
 * both `eventDispatcher<Events>()` and `@eventHandler<Events, "type">(...)` check payloads
 * against it. The map is a type only; nothing of it exists at run time.
 *
 * ```ts
 * export type AirportEvents = { airport_created: { id: string; name: string } };
 * ```
 */

/**
 * Event types mapped to their payload types. A type alias or an interface both work. The
 * default, `Record<string, unknown>`, accepts any event type and any payload (Python sources).
 */
export type EventMap = object;

/** The event types of a map. */
export type EventType<E extends EventMap> = keyof E & string;

/**
 * The payload type of one event of a map.
 * @example
 * @eventHandler("airports_service", "airport_created")
 * async onCreated(airport: EventPayload<AirportEvents, "airport_created">) { ... }
 */
export type EventPayload<E extends EventMap, K extends EventType<E>> = E[K];

/**
 * What `eventDispatcher<E>()` injects: dispatches one event of the container's service.
 * Resolves once the broker has confirmed the event.
 * @example await this.dispatch("airport_created", { id, name });
 */
export type Dispatch<E extends EventMap = Record<string, unknown>> = <K extends EventType<E>>(
  eventType: K,
  payload: EventPayload<E, K>,
) => Promise<void>;

/**
 * The method shape `@eventHandler<E, K>` accepts: one parameter that takes the event's payload.
 * An untyped payload (`unknown`) accepts a handler of any single parameter.
 */
export type EventHandlerMethod<P> = unknown extends P ? (payload: never) => unknown : (payload: P) => unknown;

/**
 * The `@eventHandler` entrypoint: handles events another service dispatches, with Nameko's three
 * handler types and exactly Nameko's queues (names, flags, bindings).
 */

import type { ExtensionHost } from "../core/extension-host.js";
import type { AnyMethodContext } from "../core/service.js";
import { addEntrypoint } from "../core/service.js";
import {
  type FailureOptions,
  MessageEntrypoint,
  type MessageTopology,
} from "../messaging/message-entrypoint.js";
import { type RetryOptions, RetryPolicy } from "../messaging/retry-policy.js";
import { checkQueueTypeOption, type QueueType } from "../transport/queue-type.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { defaultBroadcastId, eventExchange, eventQueue, type HandlerType } from "../wire/names.js";
import type { EventHandlerMethod, EventMap, EventPayload, EventType } from "./types.js";

/**
 * Options of `@eventHandler`. When the handler throws, by default the event goes to the
 * dead-letter queue `<queue>.dead-letter` with its error; `requeueOnError: true` or a `retry`
 * policy runs it again after a delay first (up to `MESSAGE_MAX_ATTEMPTS` runs, 5 by default).
 * See docs/reliability.md, "Retries and dead letters".
 */
export interface EventHandlerOptions extends FailureOptions {
  /**
   * How instances share events (Nameko's `handler_type`). Default `"service_pool"`.
   * - `"service_pool"`: one queue per (service, method), `evt-<src>-<type>--<svc>.<method>`,
   *   shared by the service's instances: each event is handled once per service.
   * - `"singleton"`: one queue per event type, `evt-<src>-<type>`: each event is handled once in
   *   the whole cluster, whichever service handles it.
   * - `"broadcast"`: one queue per instance, `evt-<src>-<type>--<svc>.<method>-<id>`: every
   *   running instance handles every event.
   */
  handlerType?: HandlerType;
  /**
   * Keep the queue (and the events in it) while no instance runs. Default true. With `false` the
   * queue is auto-delete: events dispatched while no instance consumes are lost.
   */
  reliableDelivery?: boolean;
  /**
   * The broadcast queue's instance identifier. Default: a new uuid4 hex for each start, which
   * cannot be combined with `reliableDelivery: true` (Nameko's rule: the queue of a stopped
   * instance would keep filling up forever). Give a stable identifier (a host name, a pod name)
   * for reliable broadcast queues that survive restarts.
   */
  broadcastIdentifier?: string | (() => string);
  /**
   * The queue's type: `"quorum"` (replicated over a RabbitMQ cluster) or `"classic"`. Default:
   * config `QUEUE_TYPE`, which applies to the queues that can be quorum (`reliableDelivery`
   * true) and leaves the others classic; `"quorum"` here with `reliableDelivery: false` is a
   * configuration error.
   */
  queueType?: QueueType;
}

/**
 * Handles events of type `eventType` dispatched by `sourceService`. The handler receives the
 * event's payload as its only argument; the event is acknowledged after the handler finishes.
 * The worker continues the dispatcher's context (call id stack, language, user id, ...).
 *
 * Give the source's event map and the event type as type arguments to check the handler's
 * payload type.
 *
 * @example
 * @eventHandler<AirportEvents, "airport_created">("airports_service", "airport_created")
 * async onAirportCreated(airport: { id: string; name: string }) { ... }
 *
 * @eventHandler("airports_service", "airport_closed", { handlerType: "broadcast", reliableDelivery: false })
 * async invalidateCache(payload: unknown) { ... }
 */
export function eventHandler<
  E extends EventMap = Record<string, unknown>,
  K extends EventType<E> = EventType<E>,
>(
  sourceService: string,
  eventType: K,
  options: EventHandlerOptions = {},
): (method: EventHandlerMethod<EventPayload<E, K>>, context: AnyMethodContext) => void {
  const settings = handlerSettings(sourceService, eventType, options);
  return (method, context) =>
    addEntrypoint(
      "eventHandler",
      method,
      context,
      (container, signature) => new EventHandlerEntrypoint(container, signature.method, settings),
    );
}

/** The options of one event handler, with defaults applied. */
export interface EventHandlerSettings {
  readonly sourceService: string;
  readonly eventType: string;
  readonly handlerType: HandlerType;
  readonly reliableDelivery: boolean;
  readonly requeueOnError: boolean;
  readonly retry: RetryOptions | undefined;
  readonly deadLetter: boolean;
  readonly broadcastIdentifier: string | (() => string) | undefined;
  readonly queueType: QueueType | undefined;
}

const HANDLER_TYPES: readonly string[] = ["service_pool", "singleton", "broadcast"] satisfies HandlerType[];

function handlerSettings(
  source: string,
  eventType: string,
  options: EventHandlerOptions,
): EventHandlerSettings {
  const handlerType = options.handlerType ?? "service_pool";
  if (!HANDLER_TYPES.includes(handlerType)) {
    throw new ConfigurationError(
      `Unknown event handler type ${JSON.stringify(handlerType)}: use ${HANDLER_TYPES.join(", ")}`,
    );
  }
  if (source === "" || eventType === "") {
    throw new ConfigurationError("@eventHandler needs a source service and an event type");
  }
  new RetryPolicy(options.retry, `@eventHandler ${source}.${eventType}`); // checked now, not at start
  return {
    sourceService: source,
    eventType,
    handlerType,
    reliableDelivery: options.reliableDelivery ?? true,
    requeueOnError: options.requeueOnError ?? false,
    retry: options.retry,
    deadLetter: options.deadLetter ?? true,
    broadcastIdentifier: options.broadcastIdentifier,
    queueType: checkQueueTypeOption(options.queueType, `@eventHandler("${source}", "${eventType}")`),
  };
}

/** One event handler of a running service, with its own queue and consumer. */
export class EventHandlerEntrypoint extends MessageEntrypoint {
  readonly kind = "event_handler";
  readonly name: string;
  readonly settings: EventHandlerSettings;

  constructor(container: ExtensionHost, method: string, settings: EventHandlerSettings) {
    super(container, method, settings);
    this.settings = settings;
    this.name = `eventHandler ${container.serviceName}.${method}`;
  }

  protected topology(): MessageTopology {
    const { sourceService, eventType, handlerType, reliableDelivery } = this.settings;
    const { settings, serviceName } = this.container;
    const queue = eventQueue({
      handlerType,
      source: sourceService,
      eventType,
      service: serviceName,
      method: this.method,
      reliableDelivery,
      broadcastId: handlerType === "broadcast" ? this.#broadcastId() : undefined,
    });
    const exchange = eventExchange(
      sourceService,
      settings.autoDeleteEventExchanges,
      settings.declareEventExchanges,
    );
    return { queue, bindings: [{ exchange, routingKey: eventType }] };
  }

  #broadcastId(): string {
    const { broadcastIdentifier, reliableDelivery } = this.settings;
    if (broadcastIdentifier === undefined) {
      if (reliableDelivery) {
        throw new ConfigurationError(
          `${this.name}: a broadcast handler with the default broadcast identifier (new on every ` +
            "start) cannot have reliable delivery: set reliableDelivery: false, or give a stable " +
            "broadcastIdentifier",
        );
      }
      return defaultBroadcastId();
    }
    const id = typeof broadcastIdentifier === "function" ? broadcastIdentifier() : broadcastIdentifier;
    if (typeof id !== "string" || id === "") {
      throw new ConfigurationError(`${this.name}: broadcastIdentifier must be a non-empty string`);
    }
    return id;
  }
}

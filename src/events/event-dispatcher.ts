/**
 * The `eventDispatcher` dependency: dispatch events of the container's service from inside a
 * worker, carrying the worker's context, as Nameko's `EventDispatcher` does.
 */

import { dependency, type Injected } from "../core/dependency.js";
import type { DependencyProvider } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import type { WorkerContext } from "../core/worker-context.js";
import { EventPublisher, type UnroutableEventPolicy } from "./event-publisher.js";
import type { Dispatch, EventMap } from "./types.js";

/** Options of {@link eventDispatcher}. */
export interface EventDispatcherOptions {
  /**
   * An event that no queue receives (no handler has ever declared its queue): log a warning
   * naming the event (default), or reject the dispatch with `UndeliverableMessage`.
   */
  unroutable?: UnroutableEventPolicy;
}

/**
 * Declares an event dispatcher. Events go to `<service>.events` (declared when the container
 * starts, unless config `DECLARE_EVENT_EXCHANGES` is false) with the event type as routing key
 * and the payload as body, persistent, with the worker's context headers. `dispatch` resolves
 * once the broker has confirmed the event.
 *
 * Give the service's event map as the type argument to type-check event types and payloads.
 *
 * @example
 * export type AirportEvents = { airport_created: { id: string; name: string } };
 *
 * @service("airports_service")
 * class AirportsService {
 *   dispatch = eventDispatcher<AirportEvents>();
 *
 *   @rpc async create(name: string) {
 *     const id = randomUUID();
 *     await this.dispatch("airport_created", { id, name });
 *     return id;
 *   }
 * }
 */
export function eventDispatcher<E extends EventMap = Record<string, unknown>>(
  options: EventDispatcherOptions = {},
): Injected<Dispatch<E>> {
  return dependency<Dispatch<E>>(
    "eventDispatcher()",
    (container) => new EventDispatcherProvider(container, options) as DependencyProvider<Dispatch<E>>,
  );
}

/** Provides each worker a `dispatch` function bound to its context. */
export class EventDispatcherProvider implements DependencyProvider<Dispatch> {
  readonly name: string;
  readonly #source: string;
  readonly #publisher: EventPublisher;

  constructor(container: ExtensionHost, options: EventDispatcherOptions) {
    const { settings, transport, logger, serviceName } = container;
    this.name = `eventDispatcher(${serviceName})`;
    this.#source = serviceName;
    this.#publisher = new EventPublisher(transport, settings.serializer, logger, {
      onUnroutable: options.unroutable ?? "warn",
      declareExchanges: settings.declareEventExchanges,
      autoDeleteExchanges: settings.autoDeleteEventExchanges,
      owner: container.serviceName,
    });
  }

  async setup(): Promise<void> {
    await this.#publisher.declare(this.#source);
  }

  get(ctx: WorkerContext): Dispatch {
    return (eventType, payload) =>
      this.#publisher.publish(
        this.#source,
        eventType,
        payload,
        ctx.headersFor({ kind: "event", target: `${this.#source}.${eventType}` }),
      );
  }
}

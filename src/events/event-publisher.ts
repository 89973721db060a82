/**
 * Publishing events exactly as Nameko's `EventDispatcher` does: to the source service's
 * `<service>.events` topic exchange, routing key = event type, body = the payload itself,
 * persistent. Unlike Nameko, an event no queue receives is not lost silently: it is published
 * `mandatory`, and a return is logged as a warning (or thrown, if asked).
 */

import { eventDispatchSpan, traceSend } from "../tracing/call-span.js";
import { UndeliverableMessage } from "../transport/errors.js";
import type { Transport } from "../transport/transport.js";
import { diagnostics, type EventDispatched } from "../util/diagnostics.js";
import type { Logger } from "../util/logger.js";
import type { Serializer } from "../wire/json.js";
import { eventExchange, PERSISTENT } from "../wire/names.js";

/** What to do with an event that no queue is bound to receive. */
export type UnroutableEventPolicy = "warn" | "throw";

/** Options of an {@link EventPublisher}. */
export interface EventPublisherOptions {
  /** An event no queue receives: log a warning (default) or throw `UndeliverableMessage`. */
  readonly onUnroutable?: UnroutableEventPolicy;
  /** Config `DECLARE_EVENT_EXCHANGES`: `false` publishes without declaring. Default true. */
  readonly declareExchanges?: boolean;
  /** Config `AUTO_DELETE_EVENT_EXCHANGES`. Default false. */
  readonly autoDeleteExchanges?: boolean;
  /** The service dispatching (none for a standalone dispatcher), for reports. */
  readonly owner?: string | undefined;
}

/** Publishes events of any source service, declaring each event exchange once. */
export class EventPublisher {
  readonly #transport: Transport;
  readonly #serializer: Serializer;
  readonly #logger: Logger;
  readonly #onUnroutable: UnroutableEventPolicy;
  readonly #declareExchanges: boolean;
  readonly #autoDeleteExchanges: boolean;
  readonly #owner: string | undefined;
  readonly #declared = new Map<string, Promise<void>>();

  constructor(
    transport: Transport,
    serializer: Serializer,
    logger: Logger,
    options: EventPublisherOptions = {},
  ) {
    this.#transport = transport;
    this.#serializer = serializer;
    this.#logger = logger;
    this.#onUnroutable = options.onUnroutable ?? "warn";
    this.#declareExchanges = options.declareExchanges ?? true;
    this.#autoDeleteExchanges = options.autoDeleteExchanges ?? false;
    this.#owner = options.owner;
  }

  /**
   * Declares `<source>.events` (durable topic), so publishing never fails for want of it; a no-op
   * when exchanges are not to be declared.
   */
  declare(source: string): Promise<void> {
    let declared = this.#declared.get(source);
    if (declared === undefined) {
      declared = this.#transport.declareExchange(
        eventExchange(source, this.#autoDeleteExchanges, this.#declareExchanges),
      );
      declared.catch(() => this.#declared.delete(source));
      this.#declared.set(source, declared);
    }
    return declared;
  }

  /** Publishes one event; resolves once the broker has confirmed it. */
  async publish(
    source: string,
    eventType: string,
    payload: unknown,
    headers: Readonly<Record<string, unknown>>,
  ) {
    const body = this.#serializer.encode(payload);
    await this.declare(source);
    const exchange = eventExchange(source).name;
    await traceSend(
      headers,
      () => eventDispatchSpan(exchange, source, eventType),
      (traced) => this.#publish(exchange, source, eventType, body, traced),
    );
  }

  async #publish(
    exchange: string,
    source: string,
    eventType: string,
    body: Buffer,
    headers: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    try {
      await this.#transport.publish({
        exchange,
        routingKey: eventType,
        body,
        mandatory: true,
        properties: {
          contentType: this.#serializer.contentType,
          contentEncoding: this.#serializer.contentEncoding,
          deliveryMode: PERSISTENT,
          priority: 0,
          headers: { ...headers },
        },
      });
      this.#report(source, eventType, true);
    } catch (err) {
      if (err instanceof UndeliverableMessage) this.#report(source, eventType, false);
      if (!(err instanceof UndeliverableMessage) || this.#onUnroutable === "throw") throw err;
      this.#logger.warn(
        { exchange, eventType },
        `event ${source}.${eventType} was not delivered: no queue is bound for it`,
      );
    }
  }

  #report(source: string, eventType: string, routed: boolean): void {
    if (!diagnostics.eventDispatched.hasSubscribers) return;
    const dispatched: EventDispatched = { caller: this.#owner, source, eventType, routed };
    diagnostics.eventDispatched.publish(dispatched);
  }
}

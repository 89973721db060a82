/**
 * The `publisher` dependency: publish plain AMQP messages from inside a worker, Nameko's
 * `messaging.Publisher`.
 */

import { dependency, type Injected } from "../core/dependency.js";
import type { DependencyProvider } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import type { WorkerContext } from "../core/worker-context.js";
import { publishSpan, traceSend } from "../tracing/call-span.js";
import type { ExchangeSpec, MessageProperties } from "../transport/transport.js";
import type { Serializer } from "../wire/json.js";
import { PERSISTENT } from "../wire/names.js";
import { type ExchangeOptions, exchangeSpec } from "./declarations.js";

/** Message options of a publisher, as defaults or for one call. */
export interface PublishOptions {
  /** The routing key. Default `""`. */
  routingKey?: string;
  /** Extra headers. The worker's context headers (`nameko.*`) win on a name clash. */
  headers?: Readonly<Record<string, unknown>>;
  /** Reject with `UndeliverableMessage` if no queue receives the message. Default false. */
  mandatory?: boolean;
  /** 2 (persistent, the default) or 1 (transient). */
  deliveryMode?: 1 | 2;
  /** Default 0. */
  priority?: number;
  /** Message time to live in milliseconds. Default: none. */
  expirationMs?: number;
  correlationId?: string;
  replyTo?: string;
  messageId?: string;
  type?: string;
}

/** Options of {@link publisher}. */
export interface PublisherOptions extends PublishOptions {
  /**
   * The exchange to publish to, declared when the container starts (kombu's defaults: direct,
   * durable). Default: the default exchange, where the routing key is a queue name.
   */
  exchange?: ExchangeOptions;
}

/**
 * What `publisher()` injects: publishes one message, resolving once the broker has confirmed it.
 * Call options override the publisher's defaults.
 */
export type Publish = (payload: unknown, options?: PublishOptions) => Promise<void>;

/**
 * Declares a publisher of plain messages, for consumers that are not Nameko services (or for
 * `@consume` handlers). Messages carry the worker's context headers, as Nameko's do: headers
 * given to `publisher()`, then headers given to the call, then the context, which wins.
 *
 * @example
 * publish = publisher({ exchange: { name: "orders", type: "topic" } });
 * // in a worker:
 * await this.publish({ id }, { routingKey: "order.created" });
 */
export function publisher(options: PublisherOptions = {}): Injected<Publish> {
  return dependency<Publish>(
    "publisher()",
    (container) => new PublisherProvider(container, options) as DependencyProvider<Publish>,
  );
}

/** Provides each worker a `publish` function bound to its context. */
export class PublisherProvider implements DependencyProvider<Publish> {
  readonly name: string;
  readonly #container: ExtensionHost;
  readonly #exchange: ExchangeSpec | undefined;
  readonly #defaults: PublishOptions;
  readonly #serializer: Serializer;

  constructor(container: ExtensionHost, options: PublisherOptions) {
    const { exchange, ...defaults } = options;
    this.#container = container;
    this.#exchange = exchange === undefined ? undefined : exchangeSpec(exchange);
    this.#defaults = defaults;
    this.name = `publisher(${this.#exchange?.name ?? ""})`;
    this.#serializer = container.settings.serializer;
  }

  async setup(): Promise<void> {
    if (this.#exchange !== undefined && this.#exchange.name !== "")
      await this.#container.transport.declareExchange(this.#exchange);
  }

  get(ctx: WorkerContext): Publish {
    const target = this.#exchange?.name ?? "";
    return (payload, options = {}) =>
      this.#publish(payload, options, ctx.headersFor({ kind: "message", target }));
  }

  async #publish(payload: unknown, call: PublishOptions, context: Readonly<Record<string, unknown>>) {
    const o = { ...this.#defaults, ...call };
    const body = this.#serializer.encode(payload);
    const exchange = this.#exchange?.name ?? "";
    const routingKey = o.routingKey ?? "";
    await traceSend(
      context,
      () => publishSpan(exchange, routingKey),
      (traced) =>
        this.#container.transport.publish({
          exchange,
          routingKey,
          body,
          mandatory: o.mandatory ?? false,
          properties: this.#properties(o, { ...this.#defaults.headers, ...call.headers, ...traced }),
        }),
    );
  }

  #properties(o: PublishOptions, headers: Record<string, unknown>): MessageProperties {
    return {
      contentType: this.#serializer.contentType,
      contentEncoding: this.#serializer.contentEncoding,
      deliveryMode: o.deliveryMode ?? PERSISTENT,
      priority: o.priority ?? 0,
      expiration: o.expirationMs === undefined ? undefined : String(o.expirationMs),
      correlationId: o.correlationId,
      replyTo: o.replyTo,
      messageId: o.messageId,
      type: o.type,
      headers,
    };
  }
}

/**
 * One connection to an in-memory broker. Closing it is what a dropped AMQP connection does: its
 * consumers' unsettled deliveries go back to their queues (redelivered) and its exclusive queues
 * are deleted.
 */

import { createLogger, type Logger } from "../../util/logger.js";
import { ConnectionLost, UndeliverableMessage } from "../errors.js";
import { queueTypeMismatch } from "../queue-type.js";
import type {
  BindingSpec,
  Consumer,
  ConsumerSpec,
  Delivery,
  ExchangeSpec,
  OutgoingMessage,
  QueueSpec,
  QueueStatus,
  ReturnedMessage,
  Transport,
  TransportStatus,
} from "../transport.js";
import { MemoryBroker } from "./memory-broker.js";
import { MemoryConsumer } from "./memory-consumer.js";
import type { MemoryQueue } from "./queue.js";

/** Options of {@link MemoryTransport}. */
export interface MemoryTransportOptions {
  /**
   * The broker to connect to. Default: a new broker of its own, which nothing else can reach;
   * give every transport that should talk to this one the same instance.
   */
  broker?: MemoryBroker;
  logger?: Logger;
}

/**
 * A transport to an in-memory broker, for tests and for running several services in one process
 * without RabbitMQ (`AMQP_URI: "memory://"`). It behaves like {@link AmqpTransport} through the
 * `Transport` port (the contract suite in `test/contract` runs on both): publishes are confirmed,
 * mandatory messages no queue takes reject with `UndeliverableMessage` (or, published with
 * `confirm: false`, are reported to `onReturn` listeners a moment later, as a broker returns
 * them after the publish), deliveries are asynchronous, bodies and headers are copies in their
 * wire form.
 *
 * @example
 * const broker = new MemoryBroker();
 * const transport = new MemoryTransport({ broker });
 * const runner = await runServices([Greeting], { transport });
 */
export class MemoryTransport implements Transport {
  readonly description = "memory://";
  /** The broker this transport is connected to. */
  readonly broker: MemoryBroker;
  readonly #logger: Logger;
  readonly #consumers = new Set<MemoryConsumer>();
  readonly #listeners = new Set<(status: TransportStatus) => void>();
  readonly #returnListeners = new Set<(message: ReturnedMessage) => void>();
  #status: TransportStatus = "connected";

  constructor(options: MemoryTransportOptions = {}) {
    this.broker = options.broker ?? new MemoryBroker();
    this.#logger = (options.logger ?? createLogger()).child({ broker: this.description });
  }

  get status(): TransportStatus {
    return this.#status;
  }

  /** Resolves at once: an in-memory broker is always reachable. */
  ready(): Promise<void> {
    return Promise.resolve();
  }

  onStatus(listener: (status: TransportStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onReturn(listener: (message: ReturnedMessage) => void): () => void {
    this.#returnListeners.add(listener);
    return () => this.#returnListeners.delete(listener);
  }

  async declareExchange(spec: ExchangeSpec): Promise<void> {
    this.#checkOpen();
    this.broker.declareExchange(spec);
  }

  async declareQueue(spec: QueueSpec, bindings: readonly BindingSpec[] = []): Promise<void> {
    this.#checkOpen();
    this.#declare(spec, bindings);
  }

  async inspectQueue(name: string): Promise<QueueStatus | undefined> {
    this.#checkOpen();
    const info = this.broker.queue(name);
    return info === undefined ? undefined : { messages: info.messages, consumers: info.consumers };
  }

  async getMessage(queue: string): Promise<Delivery | undefined> {
    this.#checkOpen();
    const got = this.broker.get(queue);
    if (got === undefined) return undefined;
    const getter = new MemoryConsumer(
      { queue: got.queue.spec, bindings: [], prefetch: 0, onMessage: () => undefined },
      got.queue,
      this.#logger,
      (c) => this.#consumers.delete(c),
    );
    this.#consumers.add(getter);
    return getter.handOver(got.message);
  }

  async purgeQueue(name: string): Promise<number> {
    this.#checkOpen();
    return this.broker.purge(name);
  }

  async consume(spec: ConsumerSpec): Promise<Consumer> {
    this.#checkOpen();
    const queue = this.#declare(spec.queue, spec.bindings);
    const consumer = new MemoryConsumer(spec, queue, this.#logger, (c) => this.#consumers.delete(c));
    this.#consumers.add(consumer);
    queue.addConsumer(consumer);
    return consumer;
  }

  #declareQueue(spec: QueueSpec): MemoryQueue {
    try {
      return this.broker.declareQueue(spec, this);
    } catch (err) {
      throw queueTypeMismatch(err) ?? err;
    }
  }

  async publish(message: OutgoingMessage): Promise<void> {
    this.#checkOpen();
    const routed = this.broker.publish(message);
    if (routed || message.mandatory !== true) return;
    if (message.confirm !== false) throw new UndeliverableMessage(message.exchange, message.routingKey);
    // Unconfirmed: the publish has succeeded as far as its caller knows; the return comes after.
    const { exchange, routingKey, properties } = message;
    const returned: ReturnedMessage = { exchange, routingKey, properties: { ...properties } };
    setImmediate(() => {
      for (const listener of this.#returnListeners) listener(returned);
    });
  }

  /** Closes the connection: unsettled deliveries are requeued, exclusive queues deleted. */
  async close(): Promise<void> {
    if (this.#status === "closed") return;
    this.#status = "closed";
    await Promise.all([...this.#consumers].map((c) => c.close()));
    this.broker.disconnect(this);
    for (const listener of this.#listeners) listener("closed");
  }

  #declare(spec: QueueSpec, bindings: readonly BindingSpec[]): MemoryQueue {
    for (const { exchange } of bindings) this.broker.declareExchange(exchange);
    const queue = this.#declareQueue(spec);
    for (const { exchange, routingKey, arguments: args } of bindings) {
      this.broker.bind(queue, exchange.name, routingKey, args);
    }
    return queue;
  }

  #checkOpen(): void {
    if (this.#status === "closed") throw new ConnectionLost("The transport was closed");
  }
}

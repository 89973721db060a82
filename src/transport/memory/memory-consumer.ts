/**
 * A consumer of the in-memory broker: holds what it was delivered until each message is settled,
 * and gives back whatever is unsettled when it closes (as a closing AMQP channel does).
 */
import type { Logger } from "../../util/logger.js";
import type { Consumer, ConsumerSpec, Delivery } from "../transport.js";
import type { MemoryQueue, QueueConsumer, StoredMessage } from "./queue.js";
import { wireHeaders } from "./wire-headers.js";

/** A consumer owned by a MemoryTransport. */
export class MemoryConsumer implements Consumer, QueueConsumer {
  readonly spec: ConsumerSpec;
  readonly #queue: MemoryQueue;
  readonly #logger: Logger;
  readonly #onClosed: (consumer: MemoryConsumer) => void;
  // Delivered and unsettled, by delivery tag, in delivery order.
  readonly #unacked = new Map<number, StoredMessage>();
  #lastTag = 0;
  #cancelled = false;
  #closed = false;

  constructor(
    spec: ConsumerSpec,
    queue: MemoryQueue,
    logger: Logger,
    onClosed: (consumer: MemoryConsumer) => void,
  ) {
    this.spec = spec;
    this.#queue = queue;
    this.#logger = logger.child({ queue: queue.name });
    this.#onClosed = onClosed;
  }

  get hasCapacity(): boolean {
    const { prefetch } = this.spec;
    return !this.#cancelled && (prefetch === 0 || this.#unacked.size < prefetch);
  }

  deliver(message: StoredMessage): void {
    const tag = ++this.#lastTag;
    this.#unacked.set(tag, message);
    const delivery = this.#delivery(tag, message);
    // noAck: settled as it is sent, so the delivery's own ack and reject find nothing to settle.
    if (this.spec.noAck === true) delivery.ack();
    try {
      this.spec.onMessage(delivery);
    } catch (err) {
      // A bug in the consumer, not the message: keep the message (it is requeued on close).
      this.#logger.error(
        { err, routingKey: message.routingKey },
        "onMessage threw; the delivery stays unsettled until it is settled or the consumer closes",
      );
    }
  }

  /**
   * Hands over a message taken with `basic.get` (already counted unsettled by its queue): a
   * getter is a consumer that never consumes, and closes with its connection.
   */
  handOver(message: StoredMessage): Delivery {
    this.#cancelled = true;
    const tag = ++this.#lastTag;
    this.#unacked.set(tag, message);
    return this.#delivery(tag, message);
  }

  async cancel(): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#queue.removeConsumer(this);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelled = true;
    const unsettled = [...this.#unacked.values()];
    this.#unacked.clear();
    for (const message of unsettled) this.#queue.settle(message, true);
    this.#queue.removeConsumer(this);
    this.#onClosed(this);
  }

  #delivery(tag: number, message: StoredMessage): Delivery {
    let settled = false;
    const settle = (requeue: boolean) => {
      if (settled) return;
      settled = true;
      // Gone from the map: the consumer closed and the message was requeued already.
      if (this.#unacked.delete(tag)) this.#queue.settle(message, requeue);
    };
    const p = message.properties;
    return {
      body: Buffer.from(message.body),
      exchange: message.exchange,
      routingKey: message.routingKey,
      redelivered: message.redelivered,
      properties: {
        contentType: p.contentType,
        contentEncoding: p.contentEncoding,
        headers: wireHeaders(p.headers),
        deliveryMode: p.deliveryMode,
        priority: p.priority,
        correlationId: p.correlationId,
        replyTo: p.replyTo,
        expiration: p.expiration,
        messageId: p.messageId,
        timestamp: p.timestamp,
        type: p.type,
        userId: p.userId,
        appId: p.appId,
      },
      headerError: undefined,
      ack: () => settle(false),
      reject: (requeue) => settle(requeue),
    };
  }
}

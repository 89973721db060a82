/**
 * One consumer on its own channel: declares its topology, sets its prefetch, consumes, and does
 * it all again on every new connection.
 */
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import { queueTypeMismatch } from "../transport/queue-type.js";
import type { Consumer, ConsumerSpec } from "../transport/transport.js";
import { encodeHeaders } from "../transport/typed-headers.js";
import type { Logger } from "../util/logger.js";
import { settleWithin } from "../util/within.js";
import { AckBatcher } from "./ack-batcher.js";
import { AmqpDelivery, type DeliverySettler, type Settlement } from "./amqp-delivery.js";

/** How long closing a channel may take before it is given up on (its connection may be dead). */
export const CLOSE_TIMEOUT_MS = 2000;

/** A consumer owned by the AMQP transport. */
export class AmqpConsumer implements Consumer, DeliverySettler {
  readonly spec: ConsumerSpec;
  readonly #logger: Logger;
  readonly #onClosed: (consumer: AmqpConsumer) => void;
  readonly #isLive: (model: ChannelModel) => boolean;
  #channel: Channel | undefined;
  #tag: string | undefined;
  #cancelled = false;
  #closed = false;
  #acks: AckBatcher | undefined;
  #opened = false;

  /**
   * @param isLive - whether a connection is still the transport's current one. When it is not,
   *   the transport re-opens the consumer on the next connection itself.
   */
  constructor(
    spec: ConsumerSpec,
    logger: Logger,
    onClosed: (consumer: AmqpConsumer) => void,
    isLive: (model: ChannelModel) => boolean,
  ) {
    this.spec = spec;
    this.#logger = logger.child({ queue: spec.queue.name });
    this.#onClosed = onClosed;
    this.#isLive = isLive;
  }

  /** Whether it should be consuming (not cancelled or closed). */
  get active(): boolean {
    return !this.#cancelled && !this.#closed;
  }

  /** Opens a channel on `model`, declares the topology and starts consuming. */
  async open(model: ChannelModel): Promise<void> {
    if (!this.active) return;
    const lost = this.#opened && this.spec.onQueueLost !== undefined && !(await this.#queueExists(model));
    const channel = await model.createChannel();
    channel.on("error", (err: Error) => this.#logger.warn({ err: err.message }, "consumer channel error"));
    channel.on("close", () => this.#onChannelClosed(channel, model));
    this.#channel = channel;
    this.#acks = new AckBatcher(channel);
    const { queue, bindings, prefetch } = this.spec;
    for (const { exchange } of bindings) {
      if (exchange.declare === false) continue;
      await channel.assertExchange(exchange.name, exchange.type, {
        durable: exchange.durable,
        autoDelete: exchange.autoDelete,
      });
    }
    await channel
      .assertQueue(queue.name, {
        durable: queue.durable,
        exclusive: queue.exclusive,
        autoDelete: queue.autoDelete,
        arguments: encodeHeaders(queue.arguments ?? {}),
      })
      .catch((err: unknown) => {
        throw queueTypeMismatch(err) ?? err;
      });
    for (const b of bindings) await channel.bindQueue(queue.name, b.exchange.name, b.routingKey);
    await channel.prefetch(prefetch, false);
    const { consumerTag } = await channel.consume(queue.name, (msg) => this.#onMessage(channel, model, msg), {
      noAck: this.spec.noAck === true,
    });
    this.#tag = consumerTag;
    this.#opened = true;
    // Cancelled while this (re)open was under way: stop the consumer it just started.
    if (!this.active) await channel.cancel(consumerTag).catch(() => undefined);
    if (lost) {
      this.#logger.warn(
        "the queue was gone when consuming resumed; declared it again (what it held is lost)",
      );
      this.spec.onQueueLost?.();
    }
  }

  // A passive declare fails with 404 and closes its channel: probe on a channel of its own.
  async #queueExists(model: ChannelModel): Promise<boolean> {
    const probe = await model.createChannel();
    probe.on("error", () => undefined);
    try {
      await probe.checkQueue(this.spec.queue.name);
      return true;
    } catch (err) {
      if ((err as { code?: unknown }).code === 404) return false;
      throw err;
    } finally {
      void settleWithin(probe.close(), CLOSE_TIMEOUT_MS);
    }
  }

  /** Forgets the channel of a connection that is gone; its deliveries can no longer be settled. */
  detach(): void {
    this.#channel = undefined;
    this.#tag = undefined;
    this.#acks = undefined;
  }

  async cancel(): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = true;
    const channel = this.#channel;
    const tag = this.#tag;
    if (channel !== undefined && tag !== undefined) await channel.cancel(tag).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#cancelled = true;
    this.#closed = true;
    this.#acks?.flush();
    const channel = this.#channel;
    this.detach();
    this.#onClosed(this);
    if (channel !== undefined) await settleWithin(channel.close(), CLOSE_TIMEOUT_MS);
  }

  #onMessage(channel: Channel, model: ChannelModel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // The broker cancelled us (queue deleted, or node failover): declare again and carry on.
      this.#logger.warn("consumer cancelled by the broker; declaring the queue again");
      this.#reopen(channel, model);
      return;
    }
    if (this.spec.noAck !== true) this.#acks?.delivered(msg.fields.deliveryTag);
    this.spec.onMessage(new AmqpDelivery(this, channel, msg));
  }

  /** Settles a delivery on its own channel; one from a closed channel was requeued already. */
  settle(channel: Channel, msg: ConsumeMessage, how: Settlement): void {
    const acks = this.#acks;
    // With noAck the broker settled it on sending: an ack of its tag would close the channel.
    if (this.#channel !== channel || acks === undefined || this.spec.noAck === true) return;
    try {
      if (how === "ack") acks.ack(msg.fields.deliveryTag);
      else acks.reject(msg.fields.deliveryTag, how === "requeue");
    } catch (err) {
      this.#logger.debug({ err: (err as Error).message }, "could not settle a delivery");
    }
  }

  #onChannelClosed(channel: Channel, model: ChannelModel): void {
    if (this.#channel !== channel) return;
    this.detach();
    if (!this.active) return;
    // The channel closed but the connection may be fine (a channel error): open a new one. When
    // the connection closed too, the transport re-opens the consumer once it has a new one.
    setTimeout(() => {
      if (this.active && this.#channel === undefined && this.#isLive(model)) this.#reopen(undefined, model);
    }, 1000).unref();
  }

  #reopen(channel: Channel | undefined, model: ChannelModel): void {
    this.#acks?.flush(); // acks of this turn, while their channel may still take them
    this.detach();
    if (channel !== undefined) void channel.close().catch(() => undefined);
    this.open(model).catch((err: Error) => {
      // The connection went meanwhile: not a failure of this consumer, the next one re-opens it.
      if (!this.#isLive(model)) return;
      this.#logger.error(
        { err: err.message },
        "could not resume consuming; will retry with the next connection",
      );
      this.spec.onFailure?.(err);
    });
  }
}

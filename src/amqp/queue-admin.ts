/**
 * Queue operations outside consuming: declare without consuming, inspect, `basic.get`, purge.
 * Each runs on a channel of its own, since a failed passive declare (or get, or purge) of a
 * missing queue closes its channel; `basic.get` keeps one channel open while its deliveries are
 * unsettled, since they can only be settled on it.
 */
import type { Channel, ChannelModel, ConsumeMessage, GetMessage } from "amqplib";
import type { BindingSpec, Delivery, QueueSpec, QueueStatus } from "../transport/transport.js";
import { encodeHeaders } from "../transport/typed-headers.js";
import { settleWithin } from "../util/within.js";
import { CLOSE_TIMEOUT_MS } from "./amqp-consumer.js";
import { AmqpDelivery, type DeliverySettler, type Settlement } from "./amqp-delivery.js";

/** Declares the exchanges of `bindings`, then the queue, then binds it. */
export async function declareQueueOn(
  model: ChannelModel,
  queue: QueueSpec,
  bindings: readonly BindingSpec[],
): Promise<void> {
  await withChannel(model, async (channel) => {
    for (const { exchange } of bindings) {
      if (exchange.declare === false) continue;
      await channel.assertExchange(exchange.name, exchange.type, {
        durable: exchange.durable,
        autoDelete: exchange.autoDelete,
      });
    }
    await channel.assertQueue(queue.name, {
      durable: queue.durable,
      exclusive: queue.exclusive,
      autoDelete: queue.autoDelete,
      arguments: encodeHeaders(queue.arguments ?? {}),
    });
    for (const b of bindings) {
      await channel.bindQueue(queue.name, b.exchange.name, b.routingKey, encodeHeaders(b.arguments ?? {}));
    }
  });
}

/** A passive declare: the queue's counts, or `undefined` when it does not exist. */
export async function inspectQueueOn(model: ChannelModel, name: string): Promise<QueueStatus | undefined> {
  try {
    return await withChannel(model, async (channel) => {
      const { messageCount, consumerCount } = await channel.checkQueue(name);
      return { messages: messageCount, consumers: consumerCount };
    });
  } catch (err) {
    if ((err as { code?: unknown }).code === 404) return undefined;
    throw err;
  }
}

/** Purges a queue; resolves with the number of messages removed. */
export async function purgeQueueOn(model: ChannelModel, name: string): Promise<number> {
  return withChannel(model, async (channel) => (await channel.purgeQueue(name)).messageCount);
}

/** Takes messages with `basic.get` on one channel, on which their deliveries are settled. */
export class MessageGetter implements DeliverySettler {
  readonly #model: ChannelModel;
  #channel: Promise<Channel> | undefined;

  constructor(model: ChannelModel) {
    this.#model = model;
  }

  /** The next message of `queue`, or `undefined` when it is empty. */
  async get(queue: string): Promise<Delivery | undefined> {
    const channel = await this.#open();
    const message: GetMessage | false = await channel.get(queue, { noAck: false });
    if (message === false) return undefined;
    return new AmqpDelivery(this, channel, message as unknown as ConsumeMessage);
  }

  settle(channel: Channel, message: ConsumeMessage, how: Settlement): void {
    try {
      if (how === "ack") channel.ack(message);
      else channel.nack(message, false, how === "requeue");
    } catch {
      // The channel has gone: the broker requeued the message already.
    }
  }

  /** Closes the channel: unsettled messages go back to their queues. */
  async close(): Promise<void> {
    const channel = this.#channel;
    this.#channel = undefined;
    if (channel !== undefined) await settleWithin((await channel).close(), CLOSE_TIMEOUT_MS);
  }

  #open(): Promise<Channel> {
    if (this.#channel !== undefined) return this.#channel;
    const opening = this.#model.createChannel().then((channel) => {
      channel.on("error", () => undefined);
      channel.on("close", () => {
        if (this.#channel === opening) this.#channel = undefined;
      });
      return channel;
    });
    this.#channel = opening;
    opening.catch(() => {
      if (this.#channel === opening) this.#channel = undefined;
    });
    return opening;
  }
}

async function withChannel<T>(model: ChannelModel, work: (channel: Channel) => Promise<T>): Promise<T> {
  const channel = await model.createChannel();
  channel.on("error", () => undefined);
  try {
    return await work(channel);
  } finally {
    void settleWithin(channel.close(), CLOSE_TIMEOUT_MS);
  }
}

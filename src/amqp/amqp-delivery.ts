/**
 * One message delivered on an AMQP channel, settled at most once.
 */
import type { Channel, ConsumeMessage } from "amqplib";
import type { Delivery, MessageProperties } from "../transport/transport.js";
import { TABLE_ERROR } from "./field-table.js";

/** How a delivery is settled. */
export type Settlement = "ack" | "requeue" | "drop";

/** The consumer that settles deliveries on the channel they came from. */
export interface DeliverySettler {
  settle(channel: Channel, message: ConsumeMessage, how: Settlement): void;
}

/** A message delivered by amqplib, as Enoki's transport port presents it. */
export class AmqpDelivery implements Delivery {
  readonly body: Buffer;
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  readonly properties: MessageProperties & { headers: Record<string, unknown> };
  readonly headerError: string | undefined;
  readonly #settler: DeliverySettler;
  readonly #channel: Channel;
  readonly #message: ConsumeMessage;
  #settled = false;

  constructor(settler: DeliverySettler, channel: Channel, message: ConsumeMessage) {
    this.#settler = settler;
    this.#channel = channel;
    this.#message = message;
    this.body = message.content;
    this.exchange = message.fields.exchange;
    this.routingKey = message.fields.routingKey;
    this.redelivered = message.fields.redelivered;
    // amqplib's properties object is ours alone: complete it rather than copy it.
    const properties = message.properties as MessageProperties;
    properties.headers ??= {};
    this.properties = properties as MessageProperties & { headers: Record<string, unknown> };
    this.headerError = (properties.headers as { [TABLE_ERROR]?: string })[TABLE_ERROR];
  }

  ack(): void {
    this.#settle("ack");
  }

  reject(requeue: boolean): void {
    this.#settle(requeue ? "requeue" : "drop");
  }

  #settle(how: Settlement): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settler.settle(this.#channel, this.#message, how);
  }
}

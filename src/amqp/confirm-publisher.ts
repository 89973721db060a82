/**
 * Publishing on one confirm channel: every publish resolves when the broker confirms it, and a
 * mandatory message the broker returns (no queue bound) rejects with `UndeliverableMessage`.
 *
 * Confirms are pipelined: nothing waits for one message's confirm before sending the next.
 * RabbitMQ sends `basic.return` before the `basic.ack` of the same message on the same channel,
 * so a return marks the oldest pending mandatory message with the same exchange, routing key and
 * correlation id, and that message's ack then rejects it.
 */
import type { ConfirmChannel, Message } from "amqplib";
import { ConnectionLost, MessageRefused, UndeliverableMessage } from "../transport/errors.js";
import type { OutgoingMessage } from "../transport/transport.js";
import { settleWithin } from "../util/within.js";
import { CLOSE_TIMEOUT_MS } from "./amqp-consumer.js";
import { canSendFrames, publishOptions, sendFrame, untilDrained } from "./publish-frame.js";

interface Returnable {
  returned: boolean;
}

/** A confirm channel with per-message outcomes. */
export class ConfirmPublisher {
  readonly #channel: ConfirmChannel;
  readonly #returnables = new Map<string, Returnable[]>();
  #drained: Promise<void> | undefined;
  #closed: Error | undefined;

  constructor(channel: ConfirmChannel) {
    this.#channel = channel;
    channel.on("return", (msg: Message) => this.#onReturn(msg));
    channel.on("close", () => {
      this.#closed ??= new ConnectionLost("The publishing channel closed");
    });
    // Errors arrive with the close; amqplib also emits them, and an unheard 'error' would throw.
    channel.on("error", (err: Error) => {
      this.#closed = new ConnectionLost(`The publishing channel closed: ${err.message}`, { cause: err });
    });
  }

  /** Whether the channel can still publish. */
  get open(): boolean {
    return this.#closed === undefined;
  }

  /** Publishes one message; resolves on the broker's confirm. */
  async publish(message: OutgoingMessage): Promise<void> {
    if (this.#drained !== undefined) await this.#drained;
    if (this.#closed !== undefined) throw this.#closed;
    const { exchange, routingKey, properties, mandatory = false } = message;
    return new Promise<void>((resolve, reject) => {
      const key = mandatory ? returnKey(exchange, routingKey, properties.correlationId) : undefined;
      const returnable = key === undefined ? undefined : this.#track(key);
      const onConfirm = (err: unknown) => {
        if (returnable !== undefined) this.#untrack(key as string, returnable);
        if (err) reject(confirmError(err, this.#closed));
        else if (returnable?.returned) reject(new UndeliverableMessage(exchange, routingKey));
        else resolve();
      };
      let writable: boolean;
      try {
        writable = this.#send(message, onConfirm);
      } catch (err) {
        if (returnable !== undefined) this.#untrack(key as string, returnable);
        reject(err);
        return;
      }
      // amqplib buffered it anyway; hold further publishes until the socket drains.
      if (!writable && this.#drained === undefined) {
        this.#drained = untilDrained(this.#channel).then(() => {
          this.#drained = undefined;
        });
      }
    });
  }

  /** Closes the channel. */
  async close(): Promise<void> {
    if (this.#closed !== undefined) return;
    this.#closed = new ConnectionLost("The publishing channel was closed");
    await settleWithin(this.#channel.close(), CLOSE_TIMEOUT_MS);
  }

  /** Hands one message to amqplib (see `publish-frame.ts`), with its confirm callback. */
  #send(message: OutgoingMessage, onConfirm: (err: unknown) => void): boolean {
    const channel = this.#channel as ConfirmChannel & Partial<PushConfirm>;
    if (!canSendFrames(channel) || typeof channel.pushConfirmCallback !== "function") {
      const { exchange, routingKey, body } = message;
      return channel.publish(exchange, routingKey, body, publishOptions(message), onConfirm);
    }
    const writable = sendFrame(channel, message);
    channel.pushConfirmCallback(onConfirm);
    return writable;
  }

  #track(key: string): Returnable {
    const entry = { returned: false };
    const list = this.#returnables.get(key);
    if (list === undefined) this.#returnables.set(key, [entry]);
    else list.push(entry);
    return entry;
  }

  #untrack(key: string, entry: Returnable): void {
    const list = this.#returnables.get(key);
    if (list === undefined) return;
    const index = list.indexOf(entry);
    if (index !== -1) list.splice(index, 1);
    if (list.length === 0) this.#returnables.delete(key);
  }

  #onReturn(msg: Message): void {
    const key = returnKey(msg.fields.exchange, msg.fields.routingKey, msg.properties.correlationId);
    const entry = this.#returnables.get(key)?.find((e) => !e.returned);
    if (entry !== undefined) entry.returned = true;
  }
}

// A correlation id is unique to its message; without one, the route is what a return names.
function returnKey(exchange: string, routingKey: string, correlationId: string | undefined): string {
  return correlationId ?? `${exchange}\u0000${routingKey}`;
}

/** The part of amqplib's confirm channel that registers a message's confirm callback. */
interface PushConfirm {
  pushConfirmCallback(callback: (err: unknown) => void): void;
}

// amqplib fails a confirm with "message nacked" for a basic.nack, and with "channel closed" when
// the channel (or its connection) went first: only the latter is worth publishing again.
function confirmError(err: unknown, closed: Error | undefined): Error {
  if (err instanceof Error && err.message === "message nacked") {
    return new MessageRefused(undefined, { cause: err });
  }
  return (
    closed ?? new ConnectionLost("The channel closed before the broker confirmed the message", { cause: err })
  );
}

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
import { encodeHeaders } from "../transport/typed-headers.js";
import { settleWithin } from "../util/within.js";
import { CLOSE_TIMEOUT_MS } from "./amqp-consumer.js";

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
      if (!writable && this.#drained === undefined) this.#drained = this.#untilDrained();
    });
  }

  // Resolves on 'drain', or on 'close' (amqplib never emits 'drain' on a dead channel; the
  // publishes waiting on it then fail with the closing error instead of hanging).
  #untilDrained(): Promise<void> {
    return new Promise((done) => {
      const end = () => {
        this.#channel.off("drain", end);
        this.#channel.off("close", end);
        this.#drained = undefined;
        done();
      };
      this.#channel.once("drain", end);
      this.#channel.once("close", end);
    });
  }

  /** Closes the channel. */
  async close(): Promise<void> {
    if (this.#closed !== undefined) return;
    this.#closed = new ConnectionLost("The publishing channel was closed");
    await settleWithin(this.#channel.close(), CLOSE_TIMEOUT_MS);
  }

  /**
   * Hands one message to amqplib. When amqplib's channel exposes its internal `sendMessage`, the
   * method fields and properties are built here in one object, as its `publish` would build them:
   * its own argument builder costs a few percent of a busy process's CPU (it chains the headers
   * object through a prototype, which is slow to build and slow to encode).
   */
  #send(message: OutgoingMessage, onConfirm: (err: unknown) => void): boolean {
    const { exchange, routingKey, body, properties: p, mandatory = false } = message;
    const headers = encodeHeaders(p.headers ?? {});
    const channel = this.#channel as ConfirmChannel & Partial<AmqplibInternals>;
    if (typeof channel.sendMessage !== "function" || typeof channel.pushConfirmCallback !== "function") {
      return channel.publish(exchange, routingKey, body, { ...p, headers, mandatory }, onConfirm);
    }
    const frame = {
      exchange,
      routingKey,
      mandatory,
      immediate: false,
      ticket: undefined,
      contentType: p.contentType,
      contentEncoding: p.contentEncoding,
      headers,
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
      clusterId: undefined,
    };
    const writable = channel.sendMessage(frame, frame, body);
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

/** The parts of amqplib's confirm channel that its `publish` is built on. */
interface AmqplibInternals {
  sendMessage(fields: object, properties: object, content: Buffer): boolean;
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

/**
 * Writing one message to an amqplib channel, shared by the confirmed and the unconfirmed
 * publisher. When amqplib's channel exposes its internal `sendMessage`, the method fields and
 * properties are built here in one object, as its `publish` would build them: its own argument
 * builder costs a few percent of a busy process's CPU (it chains the headers object through a
 * prototype, which is slow to build and slow to encode).
 */
import type { Channel, Options } from "amqplib";
import type { OutgoingMessage } from "../transport/transport.js";
import { encodeHeaders } from "../transport/typed-headers.js";

/** The part of amqplib's channel that its `publish` is built on. */
export interface SendMessage {
  sendMessage(fields: object, properties: object, content: Buffer): boolean;
}

/** Whether `channel` exposes amqplib's internal `sendMessage` (every amqplib 0.10 channel does). */
export function canSendFrames(channel: Channel): channel is Channel & SendMessage {
  return typeof (channel as Channel & Partial<SendMessage>).sendMessage === "function";
}

/**
 * Writes `message` on a channel that {@link canSendFrames}. Returns amqplib's answer: `false`
 * when the socket's buffer is full (hold further writes until `drain`). Throws when the channel
 * is closed.
 */
export function sendFrame(channel: Channel & SendMessage, message: OutgoingMessage): boolean {
  const { exchange, routingKey, body, properties: p, mandatory = false } = message;
  const frame = {
    exchange,
    routingKey,
    mandatory,
    immediate: false,
    ticket: undefined,
    contentType: p.contentType,
    contentEncoding: p.contentEncoding,
    headers: encodeHeaders(p.headers ?? {}),
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
  return channel.sendMessage(frame, frame, body);
}

/** The options amqplib's own `publish` takes for `message` (when `sendMessage` is not there). */
export function publishOptions(message: OutgoingMessage): Options.Publish {
  const { properties: p, mandatory = false } = message;
  return { ...p, headers: encodeHeaders(p.headers ?? {}), mandatory };
}

/**
 * Resolves on the channel's `drain`, or on its `close` (amqplib never emits `drain` on a dead
 * channel; the publishes waiting on it then fail with the closing error instead of hanging).
 */
export function untilDrained(channel: Channel): Promise<void> {
  return new Promise((done) => {
    const end = () => {
      channel.off("drain", end);
      channel.off("close", end);
      done();
    };
    channel.once("drain", end);
    channel.once("close", end);
  });
}

/**
 * A raw RPC caller for tests that play the broker's part: it publishes a request as it is, as
 * many copies as asked (the same `reply_to` and correlation id: what a redelivery hands out),
 * and collects every reply to its own queue, where a client would keep only the first.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ChannelModel, ConfirmChannel, ConsumeMessage } from "amqplib";
import { amqplib } from "../../src/amqp/amqplib.js";

/** A reply as it comes off the wire. */
export interface RawReply {
  readonly result: unknown;
  readonly error: unknown;
}

export interface RawRpcCaller {
  /** Publishes `copies` copies of one request to `nameko-rpc` (confirmed by the broker). */
  send(routingKey: string, args: readonly unknown[], correlationId: string, copies: number): Promise<void>;
  /** The replies so far, once there are `count` of them or `timeoutMs` has passed. */
  replies(count: number, timeoutMs: number): Promise<RawReply[]>;
  close(): Promise<void>;
}

/** Opens a caller on the broker at `uri`; close it when done. */
export async function rawRpcCaller(uri: string): Promise<RawRpcCaller> {
  const connection: ChannelModel = await amqplib.connect(uri);
  try {
    const channel: ConfirmChannel = await connection.createConfirmChannel();
    const { queue } = await channel.assertQueue("", { exclusive: true });
    // Replies go through the RPC exchange by the reply_to (as Nameko binds its reply queues).
    await channel.bindQueue(queue, "nameko-rpc", queue);
    const received: ConsumeMessage[] = [];
    await channel.consume(queue, (m) => m && received.push(m), { noAck: true });
    return {
      async send(routingKey, args, correlationId, copies) {
        const body = Buffer.from(JSON.stringify({ args, kwargs: {} }));
        for (let i = 0; i < copies; i++) {
          channel.publish("nameko-rpc", routingKey, body, {
            replyTo: queue,
            correlationId,
            contentType: "application/json",
            contentEncoding: "utf-8",
            deliveryMode: 2,
            headers: {},
          });
        }
        await channel.waitForConfirms();
      },
      async replies(count, timeoutMs) {
        const until = Date.now() + timeoutMs;
        while (received.length < count && Date.now() < until) await sleep(20);
        return received.map((m) => JSON.parse(m.content.toString()) as RawReply);
      },
      close: async () => {
        await connection.close().catch(() => undefined);
      },
    };
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
}

/**
 * A tap: a private queue bound to an exchange with an exact routing key, recording every message
 * as RabbitMQ delivers it. Never bind `#` on the RPC exchange: any matching binding turns off
 * UnknownService detection for everyone on the vhost. `await using` closes it when the block ends.
 */
import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import { amqplib } from "../../src/amqp/amqplib.js";

export interface Tap extends AsyncDisposable {
  /** Waits for the next message (or fails after `timeoutMs`). */
  next(timeoutMs?: number): Promise<ConsumeMessage>;
  /** Binds the tap to one more routing key. */
  bind(exchange: string, routingKey: string): Promise<void>;
  close(): Promise<void>;
}

export async function openTap(uri: string, exchange: string, routingKey: string): Promise<Tap> {
  const conn: ChannelModel = await amqplib.connect(uri);
  const close = () => conn.close().catch(() => undefined);
  const received: ConsumeMessage[] = [];
  const waiters: Array<(m: ConsumeMessage) => void> = [];
  let ch: Channel;
  let queue: string;
  try {
    ch = await conn.createChannel();
    ({ queue } = await ch.assertQueue("", { exclusive: true, autoDelete: true }));
    await ch.bindQueue(queue, exchange, routingKey);
    await ch.consume(
      queue,
      (m) => {
        if (m === null) return;
        const waiter = waiters.shift();
        if (waiter) waiter(m);
        else received.push(m);
      },
      { noAck: true },
    );
  } catch (err) {
    await close(); // a tap that failed to open leaves no connection behind
    throw err;
  }
  return {
    next(timeoutMs = 5000) {
      const ready = received.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message on tap ${routingKey}`)), timeoutMs);
        waiters.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      });
    },
    bind: (ex, rk) => ch.bindQueue(queue, ex, rk).then(() => undefined),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A raw amqplib connection, for publishing fixture messages exactly as given. */
export async function rawChannel(
  uri: string,
): Promise<{ ch: Channel; close(): Promise<void> } & AsyncDisposable> {
  const conn = await amqplib.connect(uri);
  const close = () => conn.close().catch(() => undefined);
  try {
    return { ch: await conn.createChannel(), close, [Symbol.asyncDispose]: close };
  } catch (err) {
    await close();
    throw err;
  }
}

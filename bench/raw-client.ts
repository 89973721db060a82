/** The baseline client: one exclusive reply queue and a correlation map, on raw amqplib. */
import { randomUUID } from "node:crypto";
import amqplib from "amqplib";

export interface EchoClient {
  echo(value: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function rawClient(uri: string, queue: string): Promise<EchoClient> {
  const conn = await amqplib.connect(uri, { noDelay: true });
  const ch = await conn.createChannel();
  const { queue: replyQueue } = await ch.assertQueue("", { exclusive: true, autoDelete: true });
  const pending = new Map<string, (value: unknown) => void>();
  await ch.consume(
    replyQueue,
    (msg) => {
      if (msg === null) return;
      const resolve = pending.get(msg.properties.correlationId);
      pending.delete(msg.properties.correlationId);
      resolve?.((JSON.parse(msg.content.toString()) as { result: unknown }).result);
    },
    { noAck: true },
  );
  return {
    echo(value) {
      const correlationId = randomUUID();
      return new Promise((resolve) => {
        pending.set(correlationId, resolve);
        ch.sendToQueue(queue, Buffer.from(JSON.stringify({ args: [value], kwargs: {} })), {
          correlationId,
          replyTo: replyQueue,
          contentType: "application/json",
        });
      });
    },
    close: () => conn.close(),
  };
}

/** The baseline clients: one reply queue and a correlation map, on raw amqplib (see raw-server.ts). */
import { randomUUID } from "node:crypto";
import amqplib from "amqplib";

export interface EchoClient {
  echo(value: string): Promise<unknown>;
  close(): Promise<void>;
}

export async function rawClient(
  uri: string,
  queue: string,
  mode: "plain" | "nameko" = "plain",
): Promise<EchoClient> {
  const nameko = mode === "nameko";
  const conn = await amqplib.connect(uri, { noDelay: true });
  const ch = nameko ? await conn.createConfirmChannel() : await conn.createChannel();
  const replyKey = randomUUID();
  const replyQueue = nameko
    ? `rpc.reply-bench-${replyKey}`
    : (await ch.assertQueue("", { exclusive: true, autoDelete: true })).queue;
  if (nameko) {
    await ch.assertQueue(replyQueue, { durable: true, arguments: { "x-expires": 300_000 } });
    await ch.bindQueue(replyQueue, "nameko-rpc", replyKey);
  }
  const pending = new Map<string, (value: unknown) => void>();
  await ch.consume(
    replyQueue,
    (msg) => {
      if (msg === null) return;
      const resolve = pending.get(msg.properties.correlationId);
      pending.delete(msg.properties.correlationId);
      resolve?.((JSON.parse(msg.content.toString()) as { result: unknown }).result);
      if (nameko) ch.ack(msg);
    },
    { noAck: !nameko },
  );
  const callStack = [`standalone_rpc_proxy.call.${randomUUID()}`];
  return {
    echo(value) {
      const correlationId = randomUUID();
      const body = Buffer.from(JSON.stringify({ args: [value], kwargs: {} }));
      return new Promise((resolve) => {
        pending.set(correlationId, resolve);
        if (nameko) {
          ch.publish("nameko-rpc", `${queue}.echo`, body, {
            correlationId,
            replyTo: replyKey,
            contentType: "application/json",
            contentEncoding: "utf-8",
            deliveryMode: 2,
            priority: 0,
            mandatory: true,
            headers: { "nameko.call_id_stack": callStack },
          });
        } else {
          ch.sendToQueue(queue, body, {
            correlationId,
            replyTo: replyQueue,
            contentType: "application/json",
          });
        }
      });
    },
    close: () => conn.close(),
  };
}

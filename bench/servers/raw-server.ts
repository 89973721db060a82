/**
 * The baseline: a minimal request/reply server on raw amqplib, written for the benchmark. No
 * persistence, no confirms, no write batching, replies through the default exchange: the floor
 * any framework on this broker is measured against.
 */
import amqplib from "amqplib";

const [uri = "amqp://localhost", queue = "bench-raw"] = process.argv.slice(2);
const conn = await amqplib.connect(uri, { noDelay: true });
const ch = await conn.createChannel();
await ch.assertQueue(queue, { durable: false, autoDelete: true });
await ch.prefetch(100);
await ch.consume(queue, (msg) => {
  if (msg === null) return;
  const { args } = JSON.parse(msg.content.toString()) as { args: unknown[] };
  ch.sendToQueue(msg.properties.replyTo, Buffer.from(JSON.stringify({ result: args[0], error: null })), {
    correlationId: msg.properties.correlationId,
    contentType: "application/json",
  });
  ch.ack(msg);
});
process.on("message", (m: { cmd: string }) => {
  if (m.cmd === "cpu") process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
});
process.send?.({ ready: true });

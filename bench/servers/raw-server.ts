/**
 * The baselines, on raw amqplib, written for the benchmark.
 *
 * - `plain`: a minimal request/reply. No persistence, no confirms, no write batching, replies
 *   through the default exchange: the floor any framework on this broker is measured against.
 * - `nameko`: the same, carrying everything Nameko's wire asks for (topic exchange, durable
 *   queues, persistent messages, mandatory requests with confirms, headers, and the request
 *   acknowledged only once its reply is confirmed): the floor for a Nameko-compatible framework.
 * - `nameko-quorum`: the same on a quorum request queue, for what the broker's replicated queue
 *   type costs per call (a quorum queue on one node still writes its Raft log).
 */
import amqplib from "amqplib";

const [uri = "amqp://localhost", queue = "bench-raw", mode = "plain"] = process.argv.slice(2);
const nameko = mode.startsWith("nameko");
const queueArguments = mode === "nameko-quorum" ? { "x-queue-type": "quorum" } : {};
const conn = await amqplib.connect(uri, { noDelay: true });
const ch = nameko ? await conn.createConfirmChannel() : await conn.createChannel();
if (nameko) {
  await ch.assertExchange("nameko-rpc", "topic", { durable: true });
  await ch.assertQueue(queue, { durable: true, arguments: queueArguments });
  await ch.bindQueue(queue, "nameko-rpc", `${queue}.*`);
} else {
  await ch.assertQueue(queue, { durable: false, autoDelete: true });
}
await ch.prefetch(100);
await ch.consume(queue, (msg) => {
  if (msg === null) return;
  const { args } = JSON.parse(msg.content.toString()) as { args: unknown[] };
  const reply = Buffer.from(JSON.stringify({ result: args[0], error: null }));
  const properties = { correlationId: msg.properties.correlationId, contentType: "application/json" };
  if (nameko) {
    const options = { ...properties, contentEncoding: "utf-8", deliveryMode: 2, priority: 0, headers: {} };
    ch.publish("nameko-rpc", msg.properties.replyTo, reply, options, () => ch.ack(msg));
  } else {
    ch.sendToQueue(msg.properties.replyTo, reply, properties);
    ch.ack(msg);
  }
});
process.on("message", (m: { cmd: string }) => {
  if (m.cmd === "cpu") process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
});
process.send?.({ ready: true });

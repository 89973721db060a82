/**
 * npm run bench:broker: what each feature of Nameko's RPC wire costs the broker (issue 16,
 * target 2). A raw amqplib echo pair starts as the plainest request/reply (default exchange,
 * non-durable queues, transient messages, no confirms) and adds one of Nameko's features per row:
 * first what a Nameko peer requires (which is what Enoki's transient mode keeps), then the
 * guarantees, ending with persistent messages (every guarantee: Enoki's default). Prints calls/s
 * and the broker's CPU-s per 10k calls at 100 in flight, and the p50 latency of one call at a time.
 */
import { randomUUID } from "node:crypto";
import amqplib, { type Channel, type ConfirmChannel, type ConsumeMessage } from "amqplib";
import { benchVhost, brokerCpu, median } from "./harness.js";

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = Math.round(20_000 * SCALE);
const IN_FLIGHT = 100;
// Then one call at a time, for what each feature adds to a call's latency.
const LATENCY_CALLS = Math.max(20, Math.round(2_000 * SCALE));

/** One way of carrying the call: each row of the report turns one more feature on. */
interface Wire {
  readonly topicExchange: boolean; // requests through a topic exchange (nameko-rpc), not the default one
  readonly durableQueues: boolean; // the request queue survives a broker restart
  readonly mandatory: boolean; // an unroutable request comes back rather than vanishing
  readonly confirms: boolean; // both sides publish on confirm channels: the broker confirms every message
  readonly replyExchange: boolean; // replies through the topic exchange to a durable reply queue
  readonly ackReplies: boolean; // the client acks each reply (a reply survives the client's crash)
  readonly ackAfterReply: boolean; // the request is acked once its reply is confirmed
  readonly persistent: boolean; // delivery_mode 2
}

// Ordered so that the first rows are what a Nameko peer requires of the wire (it publishes to the
// topic exchange, declares the durable request queue, needs mandatory to report an unknown service,
// and replies through the exchange to the caller's bound queue); the rest are guarantees.
const STEPS: readonly [string, Partial<Wire>][] = [
  ["plain request/reply", {}],
  ["+ topic exchange", { topicExchange: true }],
  ["+ durable request queue", { durableQueues: true }],
  ["+ mandatory", { mandatory: true }],
  [
    "+ replies via exchange to a durable queue (all a Nameko peer requires; Enoki, RPC_PERSISTENT: false)",
    { replyExchange: true },
  ],
  ["+ replies acked", { ackReplies: true }],
  ["+ publisher confirms", { confirms: true }],
  ["+ ack after the reply is confirmed", { ackAfterReply: true }],
  ["+ persistent messages (every guarantee)", { persistent: true }],
];

const { uri, drop } = benchVhost("enoki-broker-cost");
const EXCHANGE = "bench-rpc";

async function run(wire: Wire, queue: string): Promise<{ rate: number; brokerPer10k: number; p50: number }> {
  const serverConn = await amqplib.connect(uri, { noDelay: true });
  const clientConn = await amqplib.connect(uri, { noDelay: true });
  try {
    const server = await (wire.confirms ? serverConn.createConfirmChannel() : serverConn.createChannel());
    const client = await (wire.confirms ? clientConn.createConfirmChannel() : clientConn.createChannel());
    await server.assertExchange(EXCHANGE, "topic", { durable: true });
    await server.assertQueue(queue, { durable: wire.durableQueues, autoDelete: !wire.durableQueues });
    await server.bindQueue(queue, EXCHANGE, `${queue}.*`);
    const replyTo = await replyQueue(client, wire);
    const pending = new Map<string, () => void>();
    await client.consume(
      replyTo.queue,
      (msg) => {
        if (msg === null) return;
        pending.get(msg.properties.correlationId)?.();
        pending.delete(msg.properties.correlationId);
        if (wire.ackReplies) client.ack(msg);
      },
      { noAck: !wire.ackReplies },
    );
    await server.prefetch(IN_FLIGHT);
    await server.consume(queue, (msg) => msg && reply(server, wire, msg));
    const deliveryMode = wire.persistent ? 2 : 1;
    const call = () =>
      new Promise<void>((resolve) => {
        const correlationId = randomUUID();
        pending.set(correlationId, resolve);
        const body = Buffer.from(JSON.stringify({ args: ["hello enoki"], kwargs: {} }));
        const options = { correlationId, replyTo: replyTo.key, deliveryMode, mandatory: wire.mandatory };
        if (wire.topicExchange) client.publish(EXCHANGE, `${queue}.echo`, body, options);
        else client.sendToQueue(queue, body, options);
      });
    await drive(call, Math.ceil(CALLS / 10));
    const before = brokerCpu();
    const started = performance.now();
    await drive(call, CALLS);
    const seconds = (performance.now() - started) / 1000;
    const brokerPer10k = ((brokerCpu() - before) * 10_000) / CALLS;
    return { rate: CALLS / seconds, brokerPer10k, p50: await p50Latency(call) };
  } finally {
    await clientConn.close();
    await serverConn.close();
  }
}

async function replyQueue(ch: Channel, wire: Wire): Promise<{ queue: string; key: string }> {
  if (!wire.replyExchange) {
    const { queue } = await ch.assertQueue("", { exclusive: true, autoDelete: true });
    return { queue, key: queue };
  }
  const key = randomUUID();
  const queue = `rpc.reply-bench-${key}`;
  await ch.assertQueue(queue, { durable: true, arguments: { "x-expires": 60_000 } });
  await ch.bindQueue(queue, EXCHANGE, key);
  return { queue, key };
}

function reply(ch: Channel, wire: Wire, msg: ConsumeMessage): void {
  const { args } = JSON.parse(msg.content.toString()) as { args: unknown[] };
  const body = Buffer.from(JSON.stringify({ result: args[0], error: null }));
  const options = { correlationId: msg.properties.correlationId, deliveryMode: wire.persistent ? 2 : 1 };
  const replyTo = String(msg.properties.replyTo);
  const ack = () => ch.ack(msg);
  if (wire.replyExchange && wire.confirms) {
    // A confirm still on its way when the run closes the channel comes back as an error: no ack then.
    const confirmed = (err: unknown) => (err === null || err === undefined) && wire.ackAfterReply && ack();
    (ch as ConfirmChannel).publish(EXCHANGE, replyTo, body, options, confirmed);
  } else if (wire.replyExchange) ch.publish(EXCHANGE, replyTo, body, options);
  else ch.sendToQueue(replyTo, body, options);
  if (!wire.ackAfterReply) ack();
}

/** The median latency of one call at a time, in µs. */
async function p50Latency(call: () => Promise<void>): Promise<number> {
  const latencies: number[] = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const t = performance.now();
    await call();
    latencies.push((performance.now() - t) * 1000);
  }
  return median(latencies);
}

async function drive(call: () => Promise<void>, calls: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < calls) await call();
    }),
  );
}

async function main(): Promise<void> {
  const rows = [
    `| wire | calls/s at ${IN_FLIGHT} in flight | broker CPU-s per 10k calls | p50 µs at 1 in flight |`,
    "|---|---|---|---|",
  ];
  let wire: Wire = {
    topicExchange: false,
    durableQueues: false,
    mandatory: false,
    confirms: false,
    replyExchange: false,
    ackReplies: false,
    ackAfterReply: false,
    persistent: false,
  };
  try {
    for (const [i, [name, change]] of STEPS.entries()) {
      wire = { ...wire, ...change };
      const samples = [];
      for (let round = 0; round < ROUNDS; round++) samples.push(await run(wire, `bench-cost-${i}`));
      const rate = median(samples.map((s) => s.rate));
      const broker = median(samples.map((s) => s.brokerPer10k));
      const p50 = median(samples.map((s) => s.p50));
      rows.push(`| ${name} | ${rate.toFixed(0)} | ${broker.toFixed(2)} | ${p50.toFixed(0)} |`);
      process.stderr.write(`${name}: ${rate.toFixed(0)} calls/s\n`);
    }
  } finally {
    drop();
  }
  rows.push("", `(${ROUNDS} rounds, medians; Node ${process.version})`);
  console.log(rows.join("\n"));
}

await main();

/**
 * What `@idempotent` with its Redis store costs a call, on the real RabbitMQ and Redis:
 * `node --import tsx bench/idempotent.ts` (not part of `npm run bench`). One service, two methods
 * that do the same nothing, one plain and one `@idempotent`; calls one at a time and 10 in flight,
 * alternated round by round; p50 latency and calls/s of each, and the difference. Then the store
 * alone: `begin` + `complete` (what every first delivery adds: two Redis round trips) and `begin`
 * on a completed key (what a duplicate costs).
 *
 * Figures quoted in docs/reliability.md. Compare within one run only: the machine is shared.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { connect, idempotent, rpc, runServices, service, silentLogger } from "enoki";
import { idempotencyStore, RedisIdempotencyStore } from "enoki/redis";
import { Redis } from "ioredis";

const REDIS_URI = process.env.BENCH_REDIS_URI ?? "redis://127.0.0.1:6379/0";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);
const prefix = `enoki-bench-idem-${randomUUID()}:`;

function rabbitmqctl(...args: string[]): void {
  execFileSync("rabbitmqctl", ["-q", ...args], { stdio: "ignore" });
}

@service("bench_idempotent")
class Bench {
  idempotency = idempotencyStore("development", { keyPrefix: prefix });

  @rpc
  async plain(i: number): Promise<number> {
    return i;
  }

  @rpc
  @idempotent((bench: Bench) => bench.idempotency)
  async once(i: number): Promise<number> {
    return i;
  }
}

type Call = (i: number) => Promise<unknown>;

/** `calls` calls, `inFlight` at a time: calls/s and the p50 latency in ms. */
async function measure(call: Call, calls: number, inFlight: number): Promise<{ rate: number; p50: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < calls) {
      const i = next++;
      const t = performance.now();
      await call(i);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: calls / elapsed, p50: latencies[Math.floor(latencies.length / 2)] ?? 0 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function storeAlone(): Promise<void> {
  const client = new Redis(REDIS_URI, { keyPrefix: prefix });
  try {
    const store = new RedisIdempotencyStore(client);
    const n = 2_000;
    let t = performance.now();
    for (let i = 0; i < n; i++) {
      const claim = await store.begin(`alone:${i}`, 10_000);
      if (claim.state === "started") await store.complete(`alone:${i}`, claim.token, String(i), 60_000);
    }
    const first = ((performance.now() - t) / n) * 1000;
    t = performance.now();
    for (let i = 0; i < n; i++) await store.begin(`alone:${i}`, 10_000);
    const duplicate = ((performance.now() - t) / n) * 1000;
    console.log(
      `store alone: begin + complete ${first.toFixed(0)} µs, begin on a completed key ${duplicate.toFixed(0)} µs`,
    );
  } finally {
    client.disconnect();
  }
}

async function main(): Promise<void> {
  const vhost = `enoki-bench-idem-${Date.now()}`;
  rabbitmqctl("add_vhost", vhost);
  rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
  const uri = `amqp://guest:guest@localhost/${vhost}`;
  const runner = await runServices([Bench], {
    config: { AMQP_URI: uri, REDIS_URIS: { development: REDIS_URI } },
    logger: silentLogger,
  });
  const cluster = await connect({ uri, logger: silentLogger });
  const admin = new Redis(REDIS_URI);
  try {
    const client = cluster.rpc.bench_idempotent!;
    const calls: Record<string, Call> = { plain: (i) => client.plain!(i), once: (i) => client.once!(i) };
    await measure(calls.plain!, 200, 10);
    await measure(calls.once!, 200, 10);
    for (const inFlight of [1, 10]) {
      const results: Record<string, { rate: number[]; p50: number[] }> = {
        plain: { rate: [], p50: [] },
        once: { rate: [], p50: [] },
      };
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of ["plain", "once"]) {
          const { rate, p50 } = await measure(calls[name]!, CALLS, inFlight);
          results[name]!.rate.push(rate);
          results[name]!.p50.push(p50);
        }
      }
      const [plain, once] = [results.plain!, results.once!];
      console.log(
        `${inFlight} in flight: plain ${median(plain.rate).toFixed(0)} calls/s p50 ${median(plain.p50).toFixed(2)} ms; ` +
          `@idempotent ${median(once.rate).toFixed(0)} calls/s p50 ${median(once.p50).toFixed(2)} ms ` +
          `(+${(median(once.p50) - median(plain.p50)).toFixed(2)} ms p50, ` +
          `${((1 - median(once.rate) / median(plain.rate)) * 100).toFixed(0)}% fewer calls/s)`,
      );
    }
    await storeAlone();
  } finally {
    await cluster.close();
    await runner.stop();
    const keys = await admin.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await admin.del(...keys.slice(i, i + 1000));
    admin.disconnect();
    rabbitmqctl("delete_vhost", vhost);
  }
}

await main();

/**
 * npm run bench:scaling: how throughput grows with instances (issue 14, docs/scaling.md). One
 * client keeps 100 calls in flight against 1, 2 and 4 `runServices` processes of the same
 * service (Nameko's default max_workers 10 each), for a CPU-light echo and for a CPU-heavy one
 * that keeps a core busy for BENCH_WORK_MS (default 2) per call. Prints calls/s, the speed-up
 * over one instance, and CPU-s per 10k calls of the servers and of the broker, so the report
 * shows which of the machine's cores the service, the client and the broker compete for.
 */
import type { ChildProcess } from "node:child_process";
import { connect, silentLogger } from "enoki";
import { benchVhost, brokerCpu, median, serverCpu, startServer } from "./harness.js";

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const INSTANCES = [1, 2, 4];
const IN_FLIGHT = 100;
const WORK_MS = Number(process.env.BENCH_WORK_MS ?? 2);
const KINDS = [
  { name: "light (echo)", workMs: 0, calls: Math.round(20_000 * SCALE) },
  { name: `heavy (${WORK_MS} ms CPU per call)`, workMs: WORK_MS, calls: Math.round(2_000 * SCALE) },
];

interface Sample {
  readonly rate: number;
  readonly serverCpuPer10k: number;
  readonly brokerCpuPer10k: number;
}

const { uri, drop } = benchVhost("enoki-scaling");

async function measure(
  call: () => Promise<unknown>,
  servers: readonly ChildProcess[],
  calls: number,
): Promise<Sample> {
  const total = async () => (await Promise.all(servers.map(serverCpu))).reduce((a, b) => a + b, 0);
  await drive(call, Math.ceil(calls / 10));
  const serverBefore = await total();
  const brokerBefore = brokerCpu();
  const started = performance.now();
  await drive(call, calls);
  const seconds = (performance.now() - started) / 1000;
  const brokerAfter = brokerCpu();
  const serverAfter = await total();
  return {
    rate: calls / seconds,
    serverCpuPer10k: ((serverAfter - serverBefore) * 10_000) / calls,
    brokerCpuPer10k: ((brokerAfter - brokerBefore) * 10_000) / calls,
  };
}

async function drive(call: () => Promise<unknown>, calls: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < calls) await call();
    }),
  );
}

async function main(): Promise<void> {
  const client = await connect({ uri, logger: silentLogger });
  const rows = [
    "| service | instances | calls/s | × 1 instance | CPU-s per 10k calls: servers | broker |",
    "|---|---|---|---|---|---|",
  ];
  try {
    for (const [k, kind] of KINDS.entries()) {
      const service = `bench_scaling_${k}`;
      const call = () => client.rpc[service]!.echo!("hello enoki");
      let single = 0;
      for (const instances of INSTANCES) {
        const servers = await Promise.all(
          Array.from({ length: instances }, () =>
            startServer(uri, "enoki-server.ts", [service, "10"], { BENCH_WORK_MS: String(kind.workMs) }),
          ),
        );
        const samples: Sample[] = [];
        try {
          for (let round = 0; round < ROUNDS; round++) samples.push(await measure(call, servers, kind.calls));
        } finally {
          for (const server of servers) server.kill();
        }
        const rate = median(samples.map((s) => s.rate));
        if (instances === 1) single = rate;
        const cpu = (key: keyof Sample) => median(samples.map((s) => s[key])).toFixed(2);
        rows.push(
          `| ${kind.name} | ${instances} | ${rate.toFixed(0)} | ${(rate / single).toFixed(2)} | ${cpu("serverCpuPer10k")} | ${cpu("brokerCpuPer10k")} |`,
        );
        process.stderr.write(`${kind.name} x${instances}: ${rate.toFixed(0)} calls/s\n`);
      }
    }
  } finally {
    await client.close();
    drop();
  }
  rows.push(
    "",
    `(${IN_FLIGHT} calls in flight from one client, ${ROUNDS} rounds, medians; Node ${process.version})`,
  );
  console.log(rows.join("\n"));
}

await main();

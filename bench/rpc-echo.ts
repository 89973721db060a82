/**
 * npm run bench: an echo RPC at 1, 10 and 100 calls in flight, through Enoki (every Nameko
 * guarantee kept: topic exchange, persistent messages, publisher confirms, ack after the reply is
 * confirmed) and through a minimal raw amqplib request/reply, alternated round by round in one
 * run, and Enoki with transient RPC messages (RPC_PERSISTENT: false), with an OpenTelemetry SDK
 * on the server, and with Nameko's default of 10 workers (the others run 100) for comparison. Prints
 * calls/s, p50 and p99 latency, CPU per 10k calls (client, server, broker), and ratios (medians).
 *
 * A third baseline does on raw amqplib everything Nameko's wire asks for (bench/servers/raw-server.ts),
 * so the report separates what the wire costs from what Enoki itself adds.
 *
 * First (bench/process-footprint.ts) the hello example's startup and idle memory under `enoki
 * run`, compiled to JavaScript and as TypeScript, on a quiet broker, and (bench/allocations.ts) what
 * one call allocates; last (bench/large-and-many.ts) 64 KiB and 1 MiB payloads and 10,000 calls in
 * flight from one client.
 *
 * The targets of issue 16 end the report as lines a script can read:
 * `target <name>: <value> (goal <op> <number>) PASS|FAIL` (bench/targets.ts). Compare ratios
 * from one run only: the machine is shared and noisy.
 */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect, silentLogger } from "enoki";
import { allocatedPerCall } from "./allocations.js";
import { benchVhost, brokerCpu, median, serverCpu, startServer as startBenchServer } from "./harness.js";
import { manyInFlight, payloadRate } from "./large-and-many.js";
import { compileHello, type Footprint, measureFootprint } from "./process-footprint.js";
import { type EchoClient, rawClient } from "./raw-client.js";
import { type Target, targetLine } from "./targets.js";

const LEVELS = [1, 10, 100];
// BENCH_SCALE shrinks every run (the test suite runs the bench at 0.02 to keep it working).
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const CALLS: Record<number, number> = { 1: 3000 * SCALE, 10: 10_000 * SCALE, 100: 20_000 * SCALE };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Math.ceil(500 * SCALE);
// Starts are cheap (about 2.5 s each, most of it the idle wait before reading RSS) and noisy.
const FOOTPRINT_ROUNDS = Number(process.env.BENCH_FOOTPRINT_ROUNDS ?? 5);
const ALLOCATION_CALLS = Math.max(1000, Math.round(20_000 * SCALE));

interface Sample {
  rate: number;
  p50: number;
  p99: number;
  serverCpuPer10k: number;
  clientCpuPer10k: number;
  brokerCpuPer10k: number;
}

const { uri, drop: dropVhost } = benchVhost("enoki-bench");
const startServer = (script: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  startBenchServer(uri, script, args, env);

async function drive(
  client: EchoClient,
  inFlight: number,
  calls: number,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies = new Array<number>(calls);
  let next = 0;
  const payload = "hello enoki";
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < calls) {
        const i = next++;
        const t = performance.now();
        await client.echo(payload);
        latencies[i] = performance.now() - t;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latencies };
}

async function measure(client: EchoClient, server: ChildProcess, inFlight: number): Promise<Sample> {
  await drive(client, inFlight, WARMUP);
  const calls = CALLS[inFlight] ?? 5000;
  const cpuBefore = process.cpuUsage();
  const serverBefore = await serverCpu(server);
  const brokerBefore = brokerCpu();
  const { seconds, latencies } = await drive(client, inFlight, calls);
  const brokerAfter = brokerCpu();
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = await serverCpu(server);
  latencies.sort((a, b) => a - b);
  return {
    rate: calls / seconds,
    p50: (latencies[Math.floor(calls * 0.5)] ?? 0) * 1000,
    p99: (latencies[Math.floor(calls * 0.99)] ?? 0) * 1000,
    serverCpuPer10k: ((serverAfter - serverBefore) * 10_000) / calls,
    clientCpuPer10k: (((cpu.user + cpu.system) / 1e6) * 10_000) / calls,
    brokerCpuPer10k: ((brokerAfter - brokerBefore) * 10_000) / calls,
  };
}

const TRANSIENT = "enoki, RPC_PERSISTENT: false";
const TRACED = "enoki, SDK on (server)";
const DEFAULT_WORKERS = "enoki, max_workers 10 (default)";
const RAW_NAMEKO = "raw, Nameko wire";
const RAW_QUORUM = "raw, Nameko wire, quorum queue";

function enokiClient(cluster: Awaited<ReturnType<typeof connect>>, service = "bench_echo"): EchoClient {
  return { echo: (v) => cluster.rpc[service]!.echo!(v), close: () => cluster.close() };
}

async function main() {
  const hello = compileHello();
  const footprints = await footprint(hello);
  const allocated = await allocatedPerCall(ALLOCATION_CALLS);
  const rawServer = await startServer("raw-server.ts", ["bench-raw"]);
  const rawNamekoServer = await startServer("raw-server.ts", ["bench-raw-nameko", "nameko"]);
  const rawQuorumServer = await startServer("raw-server.ts", ["bench-raw-quorum", "nameko-quorum"]);
  const enokiServer = await startServer("enoki-server.ts", ["bench_echo", "100"]);
  // Nameko's default of 10 workers, against the 100 the other Enoki rows run with.
  const defaultWorkersServer = await startServer("enoki-server.ts", ["bench_echo_default", "10"]);
  const tracedServer = await startServer("enoki-server.ts", ["bench_echo_traced", "100"], {
    BENCH_OTEL: "1",
  });
  const raw = await rawClient(uri, "bench-raw");
  const rawNameko = await rawClient(uri, "bench-raw-nameko", "nameko");
  const rawQuorum = await rawClient(uri, "bench-raw-quorum", "nameko");
  const enoki = enokiClient(await connect({ uri, logger: silentLogger }));
  // The same service, called with RPC_PERSISTENT: false (transient requests, and so replies).
  const transient = enokiClient(
    await connect({ uri, logger: silentLogger, config: { RPC_PERSISTENT: false } }),
  );
  // The same client, calling a server that records a span per call (an SDK with an in-memory
  // exporter): the client has no SDK, so this shows the server's share of tracing.
  const traced = enokiClient(await connect({ uri, logger: silentLogger }), "bench_echo_traced");
  const defaultWorkers = enokiClient(await connect({ uri, logger: silentLogger }), "bench_echo_default");
  const results: Record<string, Record<number, Sample[]>> = {};
  let extra: Extra | undefined;
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const level of LEVELS) {
        for (const [name, client, server] of [
          ["raw", raw, rawServer],
          [RAW_NAMEKO, rawNameko, rawNamekoServer],
          [RAW_QUORUM, rawQuorum, rawQuorumServer],
          ["enoki", enoki, enokiServer],
          [TRANSIENT, transient, enokiServer],
          [TRACED, traced, tracedServer],
          [DEFAULT_WORKERS, defaultWorkers, defaultWorkersServer],
        ] as const) {
          const sample = await measure(client, server, level);
          const byLevel = results[name] ?? {};
          byLevel[level] = [...(byLevel[level] ?? []), sample];
          results[name] = byLevel;
          process.stderr.write(`round ${round} ${name} x${level}: ${sample.rate.toFixed(0)} calls/s\n`);
        }
      }
    }
    const loaded = await largeAndMany({ raw, [RAW_NAMEKO]: rawNameko, enoki, [TRANSIENT]: transient });
    const jsAfterLoad = median(
      await sequence(ROUNDS, async () => (await measureFootprint(uri, hello)).startupMs),
    );
    extra = { ...loaded, ...footprints, jsAfterLoad, allocated };
  } finally {
    await raw.close();
    await rawNameko.close();
    await rawQuorum.close();
    await enoki.close();
    await transient.close();
    await traced.close();
    await defaultWorkers.close();
    tracedServer.kill();
    defaultWorkersServer.kill();
    rawServer.kill();
    rawNamekoServer.kill();
    rawQuorumServer.kill();
    enokiServer.kill();
    dropVhost();
  }
  report(results, extra as Extra);
}

interface Extra {
  readonly payload: Record<string, Record<PayloadSystem, PayloadSample>>;
  readonly many: Awaited<ReturnType<typeof manyInFlight>>;
  readonly js: Footprint;
  readonly ts: Footprint;
  /** The compiled start again, after the load phases, with every bench server and client still connected. */
  readonly jsAfterLoad: number;
  /** Bytes one echo call allocates, client and server, on the in-memory broker. */
  readonly allocated: number;
}

const PAYLOADS: Record<string, { bytes: number; calls: number }> = {
  "64k": { bytes: 64 * 1024, calls: Math.max(10, Math.round(1000 * SCALE)) },
  "1m": { bytes: 1024 * 1024, calls: Math.max(5, Math.round(100 * SCALE)) },
};
const MANY = Math.max(200, Math.round(10_000 * SCALE));

// Large payloads through the same four systems: the raw Nameko wire and the transient mode tell
// what persistence (the broker writing every message to disk) costs apart from Enoki itself.
const PAYLOAD_SYSTEMS = ["raw", RAW_NAMEKO, "enoki", TRANSIENT] as const;
type PayloadSystem = (typeof PAYLOAD_SYSTEMS)[number];
interface PayloadSample {
  readonly rate: number;
  /** The broker's CPU per call, in ms. */
  readonly brokerMs: number;
}

/** Target 5 of issue 16: large payloads and many calls in flight. */
async function largeAndMany(
  clients: Record<PayloadSystem, EchoClient>,
): Promise<Pick<Extra, "payload" | "many">> {
  const payload: Extra["payload"] = {};
  for (const [name, { bytes, calls }] of Object.entries(PAYLOADS)) {
    const value = "x".repeat(bytes);
    const samples = new Map<PayloadSystem, PayloadSample[]>(PAYLOAD_SYSTEMS.map((s) => [s, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const system of PAYLOAD_SYSTEMS) {
        const before = brokerCpu();
        const rate = await payloadRate(clients[system], value, 10, calls);
        samples.get(system)?.push({ rate, brokerMs: ((brokerCpu() - before) * 1000) / calls });
      }
    }
    const pick = (system: PayloadSystem): PayloadSample => {
      const xs = samples.get(system) ?? [];
      return { rate: median(xs.map((x) => x.rate)), brokerMs: median(xs.map((x) => x.brokerMs)) };
    };
    payload[name] = Object.fromEntries(PAYLOAD_SYSTEMS.map((s) => [s, pick(s)])) as Record<
      PayloadSystem,
      PayloadSample
    >;
    process.stderr.write(
      `payload ${name}: ${PAYLOAD_SYSTEMS.map((s) => `${s} ${payload[name]?.[s].rate.toFixed(0)}`).join(", ")} calls/s\n`,
    );
  }
  const enoki = clients.enoki;
  const many = await manyInFlight(enoki, MANY);
  process.stderr.write(`${MANY} in flight: ${many.completed} completed in ${many.seconds.toFixed(1)} s\n`);
  return { payload, many };
}

/**
 * Target 3 of issue 16: the hello example's startup and idle memory, measured before anything
 * else runs, since the target is about the process's own start. The report also prints the
 * compiled start measured after the load phases, with every bench server and client connected.
 */
async function footprint(hello: string): Promise<{ js: Footprint; ts: Footprint }> {
  const helloTs = fileURLToPath(new URL("../examples/hello/hello.ts", import.meta.url));
  const footprints = { js: [] as Footprint[], ts: [] as Footprint[] };
  for (let round = 0; round < FOOTPRINT_ROUNDS; round++) {
    footprints.js.push(await measureFootprint(uri, hello));
    footprints.ts.push(await measureFootprint(uri, helloTs));
  }
  const pickFootprint = (xs: Footprint[]): Footprint => ({
    startupMs: median(xs.map((f) => f.startupMs)),
    idleRssMb: median(xs.map((f) => f.idleRssMb)),
  });
  return { js: pickFootprint(footprints.js), ts: pickFootprint(footprints.ts) };
}

async function sequence<T>(n: number, run: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run());
  return out;
}

function report(results: Record<string, Record<number, Sample[]>>, extra: Extra) {
  const pick = (name: string, level: number, key: keyof Sample) =>
    median((results[name]?.[level] ?? []).map((s) => s[key]));
  const rows = [
    "| in flight | system | calls/s | p50 µs | p99 µs | CPU-s per 10k calls: server | client | broker |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const level of LEVELS) {
    for (const name of ["raw", RAW_NAMEKO, RAW_QUORUM, "enoki", TRANSIENT, TRACED, DEFAULT_WORKERS]) {
      rows.push(
        `| ${level} | ${name} | ${pick(name, level, "rate").toFixed(0)} | ${pick(name, level, "p50").toFixed(0)} | ${pick(name, level, "p99").toFixed(0)} | ${pick(name, level, "serverCpuPer10k").toFixed(2)} | ${pick(name, level, "clientCpuPer10k").toFixed(2)} | ${pick(name, level, "brokerCpuPer10k").toFixed(2)} |`,
      );
    }
  }
  rows.push(
    "",
    "| in flight | system | throughput /raw | p50 /raw | throughput /raw Nameko wire | p50 /raw Nameko wire |",
    "|---|---|---|---|---|---|",
  );
  for (const level of LEVELS) {
    for (const name of [RAW_NAMEKO, RAW_QUORUM, "enoki", TRANSIENT, TRACED, DEFAULT_WORKERS]) {
      const ratio = (key: keyof Sample, base: string) =>
        (pick(name, level, key) / pick(base, level, key)).toFixed(2);
      rows.push(
        `| ${level} | ${name} | ${ratio("rate", "raw")} | ${ratio("p50", "raw")} | ${ratio("rate", RAW_NAMEKO)} | ${ratio("p50", RAW_NAMEKO)} |`,
      );
    }
  }
  const tracing = (level: number) =>
    `${level} in flight: throughput ${(pick(TRACED, level, "rate") / pick("enoki", level, "rate")).toFixed(2)}x, server CPU per call ${(pick(TRACED, level, "serverCpuPer10k") / pick("enoki", level, "serverCpuPer10k")).toFixed(2)}x`;
  rows.push("", `tracing, SDK on the server vs none: ${LEVELS.map(tracing).join("; ")}`);
  const quorum = (level: number) =>
    `${level} in flight: throughput ${(pick(RAW_QUORUM, level, "rate") / pick(RAW_NAMEKO, level, "rate")).toFixed(2)}x, broker CPU per call ${(pick(RAW_QUORUM, level, "brokerCpuPer10k") / pick(RAW_NAMEKO, level, "brokerCpuPer10k")).toFixed(2)}x`;
  rows.push(`quorum vs classic request queue (raw Nameko wire): ${LEVELS.map(quorum).join("; ")}`);
  const workers = (level: number) =>
    `${level} in flight: throughput ${(pick("enoki", level, "rate") / pick(DEFAULT_WORKERS, level, "rate")).toFixed(2)}x`;
  rows.push(`max_workers 100 vs the default 10: ${LEVELS.map(workers).join("; ")}`);
  const cpu = (name: string) => pick(name, 100, "serverCpuPer10k") + pick(name, 100, "clientCpuPer10k");
  // The ratio targets round by round (the systems alternate within a round, so each round's
  // ratio compares samples taken minutes apart at most): how far one run's noise reaches.
  const rounds = (name: string, level: number) => results[name]?.[level] ?? [];
  const spread = (
    label: string,
    ratio: (a: Sample, b: Sample) => number,
    a: string,
    b: string,
    level: number,
  ) => {
    const xs = rounds(a, level).map((s, i) => ratio(s, rounds(b, level)[i] as Sample));
    return `${label} ${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}x`;
  };
  const rate = (x: Sample, y: Sample) => x.rate / y.rate;
  const cpuRatio = (x: Sample, y: Sample) =>
    (x.serverCpuPer10k + x.clientCpuPer10k) / (y.serverCpuPer10k + y.clientCpuPer10k);
  const perRound = [
    spread("guaranteed_vs_raw_nameko_wire_100", rate, "enoki", RAW_NAMEKO, 100),
    spread("guaranteed_cpu_per_call_vs_raw_100", cpuRatio, "enoki", "raw", 100),
    spread("transient_vs_raw_100", rate, TRANSIENT, "raw", 100),
    spread("transient_p50_vs_raw_1", (x, y) => x.p50 / y.p50, TRANSIENT, "raw", 1),
  ];
  const targets: Target[] = [
    {
      name: "guaranteed_vs_raw_nameko_wire_100",
      value: pick("enoki", 100, "rate") / pick(RAW_NAMEKO, 100, "rate"),
      op: ">=",
      goal: 1.3,
      unit: "x",
    },
    {
      name: "guaranteed_cpu_per_call_vs_raw_100",
      value: cpu("enoki") / cpu("raw"),
      op: "<=",
      goal: 1.2,
      unit: "x",
    },
    {
      name: "transient_vs_raw_100",
      value: pick(TRANSIENT, 100, "rate") / pick("raw", 100, "rate"),
      op: ">=",
      goal: 0.9,
      unit: "x",
    },
    {
      name: "transient_p50_vs_raw_1",
      value: pick(TRANSIENT, 1, "p50") / pick("raw", 1, "p50"),
      op: "<=",
      goal: 1.2,
      unit: "x",
    },
    { name: "idle_rss_hello", value: extra.js.idleRssMb, op: "<=", goal: 70, unit: "MB" },
    { name: "startup_to_first_reply_js", value: extra.js.startupMs, op: "<=", goal: 300, unit: "ms" },
    { name: "startup_to_first_reply_ts", value: extra.ts.startupMs, op: "<=", goal: 450, unit: "ms" },
    ...Object.entries(extra.payload).flatMap(([size, r]): Target[] => [
      { name: `payload_${size}_vs_raw_10`, value: r.enoki.rate / r.raw.rate, op: ">=", goal: 0.8, unit: "x" },
      {
        name: `payload_${size}_transient_vs_raw_10`,
        value: r[TRANSIENT].rate / r.raw.rate,
        op: ">=",
        goal: 0.8,
        unit: "x",
      },
    ]),
    { name: `many_in_flight_completed_${MANY}`, value: extra.many.completed, op: ">=", goal: MANY, unit: "" },
  ];
  rows.push(
    "",
    "| payload, 10 in flight | system | calls/s | /raw | broker CPU ms per call |",
    "|---|---|---|---|---|",
    ...Object.entries(extra.payload).flatMap(([size, r]) =>
      PAYLOAD_SYSTEMS.map(
        (s) =>
          `| ${size} | ${s} | ${r[s].rate.toFixed(0)} | ${(r[s].rate / r.raw.rate).toFixed(2)} | ${r[s].brokerMs.toFixed(2)} |`,
      ),
    ),
  );
  rows.push(
    "",
    ...targets.map(targetLine),
    `(round by round, lowest-highest: ${perRound.join("; ")})`,
    `(${MANY} calls in flight from one client: ${extra.many.seconds.toFixed(1)} s, peak RSS growth ${extra.many.peakRssGrowthMb.toFixed(0)} MB;`,
    ` .ts service: idle RSS ${extra.ts.idleRssMb.toFixed(0)} MB)`,
    `(startup measured first, on a quiet broker; the compiled start after the load phases: ${extra.jsAfterLoad.toFixed(0)} ms)`,
    `(allocated per echo call, client and server in one process on the in-memory broker: ${(extra.allocated / 1024).toFixed(1)} KB)`,
    "(targets 1-2 are for enoki with every Nameko guarantee; the raw Nameko-wire baseline carries the",
    "same wire on raw amqplib, so it shows what the wire costs and what Enoki itself adds)",
    `(${ROUNDS} rounds, medians; Node ${process.version})`,
  );
  console.log(rows.join("\n"));
}

await main();

/**
 * The Enoki side of the benchmark: an echo service run the normal way, every guarantee on. With
 * `BENCH_OTEL=1` an OpenTelemetry SDK is registered first, every span kept in memory (what an
 * application's SDK does before exporting), to show what recording a span per call costs. With
 * `BENCH_WORK_MS=n` each call first keeps the CPU busy for n ms (a CPU-heavy service), and
 * `QUEUE_TYPE` passes through to the service's config.
 */
import { rpc, runServices, service, silentLogger } from "enoki";

if (process.env.BENCH_OTEL === "1") {
  const { InMemorySpanExporter, SimpleSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
  const { NodeTracerProvider } = await import("@opentelemetry/sdk-trace-node");
  const exporter = new InMemorySpanExporter();
  new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();
  // Kept spans are dropped now and then, as an exporter would send them on.
  setInterval(() => exporter.reset(), 1000).unref();
}

const [uri = "amqp://localhost", name = "bench_echo", maxWorkers = "100"] = process.argv.slice(2);
const workMs = Number(process.env.BENCH_WORK_MS ?? 0);

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

@service(name)
class Echo {
  @rpc
  echo(value: unknown) {
    if (workMs > 0) busy(workMs);
    return value;
  }
}

const runner = await runServices([Echo], {
  config: { AMQP_URI: uri, max_workers: Number(maxWorkers) },
  logger: silentLogger,
});
process.on("message", async (m: { cmd: string }) => {
  if (m.cmd === "cpu") process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
  if (m.cmd === "stop") await runner.stop();
});
process.send?.({ ready: true });

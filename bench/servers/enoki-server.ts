/** The Enoki side of the benchmark: an echo service run the normal way, every guarantee on. */
import { rpc, runServices, service, silentLogger } from "enoki";

const [uri = "amqp://localhost", name = "bench_echo", maxWorkers = "100"] = process.argv.slice(2);

@service(name)
class Echo {
  @rpc
  echo(value: unknown) {
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

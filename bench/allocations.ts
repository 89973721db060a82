/**
 * What one echo call allocates, client and server together, counted by V8's sampling heap
 * profiler with collected objects included. Unlike CPU time on a shared machine, the figure is
 * steady from run to run (within about 1%), so it shows a change in Enoki's own per-call work
 * that the throughput and CPU figures cannot resolve. Both sides run in this process on the
 * in-memory broker: amqplib and RabbitMQ are left out.
 */
import { Session } from "node:inspector/promises";
import { rpc, service } from "enoki";
import { startServices } from "enoki/testing";
import { median } from "./harness.js";

@service("bench_alloc_echo")
class Echo {
  @rpc
  echo(value: unknown) {
    return value;
  }
}

interface ProfileNode {
  readonly selfSize: number;
  readonly children: readonly ProfileNode[];
}

const total = (node: ProfileNode): number => node.children.reduce((sum, c) => sum + total(c), node.selfSize);

/** Bytes allocated per call: the median of `rounds` samples of `calls` calls at 100 in flight. */
export async function allocatedPerCall(calls: number, rounds = 3): Promise<number> {
  await using services = await startServices([Echo], { config: { max_workers: 100 } });
  const echo = services.rpc.bench_alloc_echo?.echo;
  if (echo === undefined) throw new Error("the echo service has no echo method");
  const drive = async (n: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (next++ < n) await echo("hello enoki");
      }),
    );
  };
  await drive(calls); // warm up: compiled code, pools and caches in place
  const session = new Session();
  session.connect();
  try {
    const samples: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await session.post("HeapProfiler.startSampling", {
        samplingInterval: 512,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      await drive(calls);
      const { profile } = await session.post("HeapProfiler.stopSampling");
      samples.push(total(profile.head as ProfileNode) / calls);
    }
    return median(samples);
  } finally {
    session.disconnect();
  }
}

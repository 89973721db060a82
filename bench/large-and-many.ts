/**
 * Large and many (issue 16, target 5): echo of 64 KiB and 1 MiB payloads at 10 in flight, raw
 * and Enoki side by side; and one Enoki client with 10,000 calls in flight at once, its peak
 * memory and whether every call completed.
 */
import type { EchoClient } from "./raw-client.js";

/** Calls per second echoing `payload` with `inFlight` calls outstanding, `calls` in all. */
export async function payloadRate(
  client: EchoClient,
  payload: string,
  inFlight: number,
  calls: number,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < calls) await client.echo(payload);
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

/** What {@link manyInFlight} saw. */
export interface ManyInFlight {
  readonly completed: number;
  readonly seconds: number;
  /** The bench process's RSS growth at its peak while the calls were out, in MB. */
  readonly peakRssGrowthMb: number;
}

/** Sends `count` calls at once and waits for them all. */
export async function manyInFlight(client: EchoClient, count: number): Promise<ManyInFlight> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const results = await Promise.allSettled(
      Array.from({ length: count }, (_, i) => client.echo(`call ${i}`)),
    );
    return {
      completed: results.filter((r) => r.status === "fulfilled").length,
      seconds: (performance.now() - started) / 1000,
      peakRssGrowthMb: (Math.max(peak, process.memoryUsage().rss) - before) / 1024 / 1024,
    };
  } finally {
    clearInterval(sampler);
  }
}

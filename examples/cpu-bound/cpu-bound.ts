/**
 * CPU-heavy work in a service, done right: on a worker thread, so the event loop keeps answering
 * the broker's heartbeats while it runs. Done on the event loop (`crunchInline`), a long enough
 * computation makes the broker drop the connection and redeliver the call, which then runs twice.
 *
 *     npx enoki run examples/cpu-bound/cpu-bound.ts
 */
import { Worker } from "node:worker_threads";
import { rpc, service } from "enoki";

/** Busy work for `ms` milliseconds; returns how many loop turns it managed. */
function spin(ms: number): number {
  const end = Date.now() + ms;
  let turns = 0;
  while (Date.now() < end) turns++;
  return turns;
}

// A worker thread runs code of its own; passing the function's source keeps the example in one
// file. In an application, point `new Worker()` at a module, or use a pool such as piscina.
function onWorkerThread<T>(fn: (input: never) => T, input: unknown): Promise<T> {
  const source = `const { parentPort, workerData } = require("node:worker_threads");
parentPort.postMessage((${fn.toString()})(workerData));`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: input });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

@service(process.env.CPU_SERVICE ?? "cpu_service")
export class CpuService {
  /** Blocks the event loop: fine for milliseconds, dangerous for seconds. */
  @rpc
  crunchInline(ms: number): number {
    return spin(ms);
  }

  /** The same work on a worker thread: the event loop stays free. */
  @rpc
  async crunch(ms: number): Promise<number> {
    return onWorkerThread(spin, ms);
  }
}

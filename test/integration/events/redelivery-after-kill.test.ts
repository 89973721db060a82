import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  connect,
  eventHandler,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../../src/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { queueState } from "../../support/queues.js";
import { waitFor } from "../../support/wait.js";

const script = fileURLToPath(new URL("./fixtures/slow-handler-service.ts", import.meta.url));
let child: ChildProcess | undefined;
let runner: ServiceRunner | undefined;
after(async () => {
  child?.kill("SIGKILL");
  await runner?.stop();
});

/** Starts the child service and resolves with a function waiting for a given output line. */
async function startChild(name: string, source: string): Promise<(prefix: string) => Promise<string>> {
  child = spawn(process.execPath, ["--import", "tsx", script, brokerUri(), name, source], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => lines.push(line));
  const waitLine = async (prefix: string) => {
    await waitFor(() => lines.some((l) => l.startsWith(prefix)), `"${prefix}" from the child`, 20_000);
    return lines.find((l) => l.startsWith(prefix)) as string;
  };
  await waitLine("ready");
  return waitLine;
}

test("an event whose handler's process is killed is handled by the next instance", async () => {
  const name = uniqueName("crashy");
  const source = uniqueName("src");
  const queue = `evt-${source}-happened--${name}.handle`;
  const waitLine = await startChild(name, source);
  const cluster = await connect({ uri: brokerUri(), logger: silentLogger });
  try {
    await cluster.dispatchEvent(source, "happened", { id: 42 });
  } finally {
    await cluster.close();
  }
  assert.equal(await waitLine("handling"), 'handling {"id":42}');

  const exited = once(child as ChildProcess, "exit");
  child?.kill("SIGKILL");
  await exited;
  await waitFor(() => queueState(vhostOf(brokerUri()), queue)?.consumers === 0, "the broker to notice");
  assert.equal(
    queueState(vhostOf(brokerUri()), queue)?.messages,
    1,
    "the unacknowledged event is back in the queue",
  );

  const seen: unknown[] = [];
  @service(name)
  class Recovered {
    @eventHandler(source, "happened")
    handle(payload: unknown) {
      seen.push(payload);
    }
  }
  runner = await runServices([Recovered], { config: { AMQP_URI: brokerUri() }, logger: silentLogger });
  await waitFor(() => seen.length === 1, "the redelivered event");
  assert.deepEqual(seen, [{ id: 42 }]);
  await waitFor(() => queueState(vhostOf(brokerUri()), queue)?.messages === 0, "the ack");
});

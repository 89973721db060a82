/**
 * Quorum queues in a fleet of Enoki and Python Nameko 2.14 instances of one service (opt-in, as
 * test/interop/nameko.test.ts: needs `NAMEKO_PATH`). Nameko declares its queues without
 * `x-queue-type`, and RabbitMQ fills that in with the vhost's default type, so:
 *
 * - in a vhost whose default is classic, a Nameko instance cannot start on a queue Enoki made
 *   quorum (RabbitMQ refuses its declaration; kombu reconnects and tries again, forever, logging
 *   "Connection to broker lost" each time), and an Enoki instance with `QUEUE_TYPE: quorum`
 *   cannot start on a queue Nameko made (QueueTypeMismatch);
 * - in a vhost created with `--default-queue-type quorum`, Nameko's declarations are quorum too:
 *   both run on the same quorum queues. That is the supported mixed fleet (docs/reliability.md).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { delimiter } from "node:path";
import { after, describe, test } from "node:test";
import {
  type Cluster,
  connect,
  eventHandler,
  QueueTypeMismatch,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../src/index.js";
import { createVhost, rabbitmqctl } from "../support/broker.js";
import {
  type NamekoProcess,
  namekoPath,
  peerDir,
  startNameko,
  stopNameko,
} from "../support/nameko-process.js";
import { PYTHON } from "../support/python.js";
import { listBroker } from "../support/queues.js";
import { delay, waitFor } from "../support/wait.js";

const pings: unknown[] = [];

/** Enoki's instance of Nameko's `shared_interop` (test/support/nameko/interop_service.py). */
@service("shared_interop")
class SharedInterop {
  @rpc
  which(): string {
    return "typescript";
  }

  @eventHandler("interop_source", "ping")
  on_ping(payload: unknown): void {
    pings.push(payload);
  }
}

const quorumVhosts: string[] = [];

/** A vhost whose default queue type is quorum (RabbitMQ 3.10 and later), deleted after the file. */
function createQuorumVhost(): { uri: string; vhost: string } {
  const vhost = `enoki-quorum-${Date.now()}-${randomBytes(3).toString("hex")}`;
  rabbitmqctl("add_vhost", vhost, "--default-queue-type", "quorum");
  rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
  quorumVhosts.push(vhost);
  return { uri: `amqp://guest:guest@localhost/${encodeURIComponent(vhost)}`, vhost };
}

function sharedQueues(vhost: string): Array<[string, string, number]> {
  return listBroker("queues", vhost, ["name", "type", "consumers"])
    .filter((q) => String(q.name).includes("shared_interop"))
    .map((q): [string, string, number] => [String(q.name), String(q.type), Number(q.consumers)])
    .sort();
}

function startEnoki(uri: string, queueType: "classic" | "quorum"): Promise<ServiceRunner> {
  return runServices([SharedInterop], {
    config: { AMQP_URI: uri, QUEUE_TYPE: queueType },
    logger: silentLogger,
  });
}

describe("quorum queues with Python Nameko 2.14", {
  skip: namekoPath ? false : "NAMEKO_PATH is not set",
}, () => {
  const open: Array<{ close(): Promise<void> }> = [];
  let nameko: NamekoProcess | undefined;
  after(async () => {
    await stopNameko(nameko);
    for (const item of open.splice(0).reverse()) await item.close().catch(() => undefined);
    for (const vhost of quorumVhosts) rabbitmqctl("delete_vhost", vhost);
  });

  test("classic vhost: Nameko on a queue Enoki made quorum never starts, retrying the refused declaration", async () => {
    const { uri } = createVhost("enoki-quorum-classic");
    const runner = await startEnoki(uri, "quorum");
    open.push({ close: () => runner.stop() });
    // run_service.py with logging on, as `nameko run` has it (kombu says nothing otherwise).
    const withLogging =
      "import logging, runpy, sys; logging.basicConfig(level=logging.WARNING); " +
      `sys.argv = ["run_service.py", ${JSON.stringify(uri)}]; runpy.run_path("run_service.py", run_name="__main__")`;
    const child = spawn(PYTHON, ["-c", withLogging], {
      cwd: peerDir,
      env: { ...process.env, PYTHONPATH: [namekoPath, peerDir].join(delimiter) },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    try {
      const refusal =
        /PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue '[^']*shared_interop[^']*' in vhost '[^']*': received none but current is the value 'quorum'/g;
      // kombu takes the refusal for a lost connection: it reconnects and declares again, forever.
      await waitFor(
        () => (stderr.match(refusal) ?? []).length >= 3,
        "Nameko to be refused three times",
        30_000,
      );
      assert.match(stderr, /Connection to broker lost, trying to re-establish connection/);
      assert.equal(child.exitCode, null, "Nameko gave up");
      assert.doesNotMatch(stdout, /READY/);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("classic vhost: Enoki with QUEUE_TYPE quorum cannot start on Nameko's queue (QueueTypeMismatch)", async () => {
    const { uri } = createVhost("enoki-quorum-classic");
    nameko = await startNameko(uri);
    try {
      await assert.rejects(startEnoki(uri, "quorum"), (err: unknown) => {
        assert.ok(err instanceof QueueTypeMismatch, String(err));
        assert.match(err.queue, /shared_interop/);
        assert.deepEqual([err.declared, err.current], ["quorum", undefined]);
        return true;
      });
      // Nameko is unharmed, and Enoki with the queue's type joins it.
      const runner = await startEnoki(uri, "classic");
      await runner.stop();
    } finally {
      await stopNameko(nameko);
      nameko = undefined;
    }
  });

  test("quorum-default vhost: Nameko joins Enoki's quorum queues; both serve, events handled once", async () => {
    const { uri, vhost } = createQuorumVhost();
    const runner = await startEnoki(uri, "quorum");
    open.push({ close: () => runner.stop() });
    nameko = await startNameko(uri);
    const cluster: Cluster = await connect({ uri, logger: silentLogger });
    open.push(cluster);
    // A quorum queue's consumer count is statistics, updated every few seconds.
    const expected = JSON.stringify([
      ["evt-interop_source-ping--shared_interop.on_ping", "quorum", 2],
      ["rpc-shared_interop", "quorum", 2],
    ]);
    await waitFor(
      () => JSON.stringify(sharedQueues(vhost)) === expected,
      "two consumers on each queue",
      30_000,
    ).catch(() => undefined);
    assert.deepEqual(sharedQueues(vhost), [
      ["evt-interop_source-ping--shared_interop.on_ping", "quorum", 2],
      ["rpc-shared_interop", "quorum", 2],
    ]);
    const answers = new Set<unknown>();
    for (let i = 0; i < 10; i++) answers.add(await cluster.rpc.shared_interop!.which!());
    assert.deepEqual([...answers].sort(), ["python", "typescript"]);

    pings.length = 0;
    for (let n = 0; n < 20; n++) await cluster.dispatchEvent("interop_source", "ping", { n });
    const printed = () =>
      nameko!.lines.filter((l) => l.startsWith("PING ")).map((l) => JSON.parse(l.slice(5)) as { n: number });
    const all = () => [...(pings as Array<{ n: number }>), ...printed()];
    await waitFor(() => all().length >= 20, "20 pings handled");
    await delay(200); // a duplicate would arrive now
    assert.deepEqual(
      all()
        .map((p) => p.n)
        .sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, n) => n),
    );

    // Reply queues (durable, x-expires, no type) follow the vhost's default too.
    const replies = listBroker("queues", vhost, ["name", "type"]).filter((q) =>
      String(q.name).startsWith("rpc.reply-"),
    );
    assert.ok(replies.length > 0 && replies.every((q) => q.type === "quorum"), JSON.stringify(replies));

    // An Enoki instance with the default QUEUE_TYPE (no x-queue-type, as Nameko) joins as well.
    const classicConfig = await startEnoki(uri, "classic");
    await classicConfig.stop();
  });
});

/**
 * Retries through RabbitMQ's delay queues (nameko-amqp-retry's `backoff` exchange), dead letters,
 * and `enoki dead-letters`, on the real broker.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, test } from "node:test";
import {
  type Cluster,
  connect,
  consume,
  type FailureOptions,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { killAllCli, runCli, scratchDir, startCli } from "../../support/cli.js";
import { delay, waitFor } from "../../support/wait.js";

const uri = brokerUri();
const runners: ServiceRunner[] = [];
const clusters: Cluster[] = [];
const scratch = scratchDir("retry-dead-letter");

after(async () => {
  await Promise.all(runners.map((r) => r.kill()));
  await Promise.all(clusters.map((c) => c.close()));
  await killAllCli();
  scratch.remove();
});

async function client(): Promise<Cluster> {
  const cluster = await connect({ uri, logger: silentLogger });
  clusters.push(cluster);
  return cluster;
}

/** A `@consume` service on a new queue; `handle` decides each run's fate. */
async function worker(options: FailureOptions, handle: (run: number, body: unknown) => void) {
  const queue = uniqueName("jobs");
  const runs: number[] = [];
  @service(uniqueName("worker"))
  class Worker {
    @consume({ queue: { name: queue } }, options)
    onJob(body: unknown) {
      runs.push(Date.now());
      handle(runs.length, body);
    }
  }
  const runner = await runServices([Worker], { config: { AMQP_URI: uri }, logger: silentLogger });
  runners.push(runner);
  return { queue, runs, runner };
}

/** Ready messages of a queue (undefined when it does not exist), through the port: fast to poll. */
async function ready(cluster: Cluster, queue: string): Promise<number | undefined> {
  return (await cluster.transport.inspectQueue(queue))?.messages;
}

/** Polls an async condition. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(50);
  }
}

async function send(cluster: Cluster, queue: string, body: unknown): Promise<void> {
  await cluster.transport.publish({
    exchange: "",
    routingKey: queue,
    body: Buffer.from(JSON.stringify(body)),
    properties: { contentType: "application/json", contentEncoding: "utf-8", headers: {}, deliveryMode: 2 },
    mandatory: true,
  });
}

test("a handler failing twice then succeeding runs three times, after the scheduled delays", async () => {
  const cluster = await client();
  const { queue, runs } = await worker({ retry: { schedule: [500, 1000], jitter: 0 } }, (run) => {
    if (run <= 2) throw new Error(`failure ${run}`);
  });
  await send(cluster, queue, { n: 1 });
  await waitFor(() => runs.length === 3, "the third run", 15_000);
  const [first, second, third] = runs as [number, number, number];
  // RabbitMQ expires the head of a queue on a timer: late by some ms, never early.
  assert.ok(second - first >= 490 && second - first < 3000, `first retry after ${second - first} ms`);
  assert.ok(third - second >= 990 && third - second < 4000, `second retry after ${third - second} ms`);
  await delay(300);
  assert.equal(runs.length, 3);
  // nameko-amqp-retry's topology, so that Python services using it share it: re-declaring it as
  // nameko-amqp-retry declares it succeeds, anything else is refused (test/interop/retry.test.ts
  // does the same with Python itself).
  const delayQueue = (expires: number) => ({
    name: "backoff--1000ms",
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: { "x-expires": expires, "x-dead-letter-exchange": "" },
  });
  await cluster.transport.declareQueue(delayQueue(6000));
  await assert.rejects(cluster.transport.declareQueue(delayQueue(5000)), /PRECONDITION_FAILED/);
  const backoff = { name: "backoff", type: "headers", durable: true, autoDelete: false } as const;
  await cluster.transport.declareExchange(backoff);
  await assert.rejects(
    cluster.transport.declareExchange({ ...backoff, type: "topic" }),
    /PRECONDITION_FAILED/,
  );
  assert.equal(await ready(cluster, `${queue}.dead-letter`), undefined);
});

test("a poison message is dead-lettered with its error; the CLI lists, shows, replays after a fix, purges", async () => {
  const cluster = await client();
  let fixed = false;
  const handled: unknown[] = [];
  const { queue, runs } = await worker(
    { retry: { attempts: 3, schedule: [100], jitter: 0 } },
    (_run, body) => {
      if (!fixed) throw new RangeError(`cannot handle ${JSON.stringify(body)}`);
      handled.push(body);
    },
  );
  await send(cluster, queue, { poison: 1 });
  await send(cluster, queue, { poison: 2 });
  await eventually(async () => (await ready(cluster, `${queue}.dead-letter`)) === 2, "two dead letters");
  assert.equal(runs.length, 6);

  const cli = (...args: string[]) => runCli(["dead-letters", ...args, "--broker", uri]);
  const list = await cli("list", queue, "--json");
  assert.equal(list.code, 0, list.stderr);
  const [summary] = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
  assert.equal(summary!.count, 2);
  assert.equal(summary!.deadLetterQueue, `${queue}.dead-letter`);
  const lastError = summary!.lastError as Record<string, unknown>;
  assert.equal(lastError.type, "RangeError");
  assert.match(String(lastError.message), /^cannot handle \{"poison":[12]\}$/);
  assert.equal(lastError.attempts, 3);
  assert.ok(!Number.isNaN(Date.parse(String(lastError.deadLetteredAt))));

  const show = await cli("show", `${queue}.dead-letter`, "1", "--json");
  assert.equal(show.code, 0, show.stderr);
  const [letter] = JSON.parse(show.stdout) as Array<Record<string, unknown>>;
  const firstBody = JSON.parse(String(letter!.body)) as { poison: number };
  assert.ok([1, 2].includes(firstBody.poison));
  assert.equal(letter!.routingKey, queue);
  assert.equal(letter!.attempts, 3);
  assert.match(String((letter!.error as { stack: string }).stack), /RangeError: cannot handle/);
  assert.equal(await ready(cluster, `${queue}.dead-letter`), 2, "show leaves them in the queue");

  const text = await cli("list", queue);
  assert.match(
    text.stdout,
    new RegExp(`^${queue}: 2; last: RangeError: cannot handle \\{"poison":[12]\\} \\(after 3 run`),
  );

  fixed = true;
  const replay = await cli("replay", queue, "-n", "1", "--json");
  assert.equal(replay.code, 0, replay.stderr);
  assert.deepEqual(JSON.parse(replay.stdout), { queue, replayed: 1, remaining: 1 });
  await waitFor(() => handled.length === 1, "the replayed message handled");
  assert.deepEqual(handled, [firstBody]);

  const purge = await cli("purge", queue, "--json");
  assert.equal(purge.code, 0, purge.stderr);
  assert.deepEqual(JSON.parse(purge.stdout), { queue, purged: 1 });
  assert.equal((await cli("purge", queue)).code, 3, "nothing left to purge");
  assert.equal((await cli("replay", queue, "--all")).code, 3, "nothing left to replay");
  assert.equal((await cli("list", uniqueName("nothing-failed-here"))).code, 3);
  assert.equal((await cli("frobnicate", queue)).code, 2);
  assert.equal((await cli("show")).code, 2);
  await delay(300);
  assert.deepEqual(handled, [firstBody]);
});

test("a process killed (SIGKILL) during the backoff loses nothing: the next one handles the message", async () => {
  const queue = uniqueName("jobs");
  const runsFile = scratch.write("runs.txt", "");
  const module = scratch.write(
    "flaky.ts",
    `import { appendFileSync, readFileSync } from "node:fs";
import { consume, service } from "enoki";

@service("${uniqueName("flaky")}")
export class Flaky {
  @consume({ queue: { name: "${queue}" } }, { retry: { schedule: [5000], jitter: 0 } })
  onJob(body: unknown) {
    appendFileSync(${JSON.stringify(runsFile)}, JSON.stringify(body) + "\\n");
    if (readFileSync(${JSON.stringify(runsFile)}, "utf8").trim().split("\\n").length === 1) throw new Error("first run fails");
  }
}
`,
  );
  const runLines = () => readFileSync(runsFile, "utf8").trim().split("\n").filter(Boolean);
  const cluster = await client();
  const first = startCli(["run", module, "--broker", uri]);
  await first.waitForLog(/running services/, 30_000);
  await send(cluster, queue, { id: 7 });
  await first.waitForLog(/runs again in 5000 ms/, 15_000);
  await eventually(
    async () => (await ready(cluster, "backoff--5000ms")) === 1,
    "the message in the delay queue",
  );
  await eventually(async () => (await ready(cluster, queue)) === 0, "the original acknowledged");
  first.child.kill("SIGKILL");
  await first.exited;
  await eventually(async () => (await ready(cluster, queue)) === 1, "the message back in its queue");
  const second = startCli(["run", module, "--broker", uri]);
  await waitFor(() => runLines().length === 2, "the second run", 30_000);
  assert.deepEqual(runLines(), ['{"id":7}', '{"id":7}']);
  await eventually(async () => (await ready(cluster, queue)) === 0, "the ack");
  second.child.kill("SIGTERM");
  await second.exited;
});

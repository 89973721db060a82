/**
 * The cluster tier, scenario (d): a network partition. scripts/partition-cluster.sh runs three
 * RabbitMQ nodes (`pause_minority`, `net_ticktime = 10`) in network namespaces of their own; the
 * test cuts node 3 off from nodes 1 and 2 with blackhole routes while the clients, in the root
 * namespace, still reach all three. Node 3 is the minority: it notices the lost peers, pauses
 * (closes its client connections and its AMQP listener) and comes back by itself once the
 * partition heals.
 *
 * Load, as in node-loss.test.ts: two instances of a service with `QUEUE_TYPE: quorum` (A with
 * node 3 first in its broker list, B with node 1 first), two callers (X on node 3, Y on node 2)
 * making calls without pause, and a `service_pool` event every 50 ms dispatched by X. Counted:
 * calls sent, answered, failed (by error), lost (timed out: the caller waited in vain), executions
 * of one call more than once, events, and the recovery: how long node 3 took to pause, how long
 * the cluster took to be whole after the heal, and each caller's longest time without an answer.
 * The figures are printed (`# ...` lines) and quoted in docs/reliability.md.
 *
 * Needs root and `ip netns`; skipped otherwise. It starts the cluster (idempotent: `npm run
 * test:cluster` has usually started it) and removes it afterwards, failed or not.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Cluster,
  connect,
  EnokiError,
  eventHandler,
  RpcTimeout,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../src/index.js";
import {
  acceptsAmqp,
  brokerList,
  cannotPartition,
  ctl,
  type NodeNumber,
  notWhole,
  openConnectionsTo,
  partitionScript,
  partitionVhost,
} from "../support/partition-nodes.js";

/** How long a call waits for its reply. */
const CALL_TIMEOUT_MS = 20_000;
/** Concurrent call loops per caller. */
const LOOPS = 4;
/** How long a call's work takes. */
const WORK_MS = 20;
/** The node cut off from the two others. */
const CUT: NodeNumber = 3;
/** How long the partition lasts: longer than net_ticktime, so that node 3 really pauses. */
const PARTITION_MS = 25_000;
/** Load kept up once the cluster is whole again. */
const AFTER_HEAL_MS = 15_000;

interface Counts {
  sent: number;
  answered: number;
  failed: Record<string, number>;
  /** Failures that are not one of Enoki's typed errors. */
  unclear: number;
  /** Per failure (caller, error name): its first message, and when it was first and last seen (ms from the cut). */
  failures: Record<string, { message: string; firstMs: number; lastMs: number }>;
  lost: number;
  wrong: number;
  duplicated: number;
  eventsSent: number;
  eventsFailed: number;
  eventsHandled: number;
  eventsLost: number;
  eventsDuplicated: number;
  /** From the cut until node 3 paused (closed its AMQP listener). */
  pausedAfterMs: number;
  /** When (ms from the cut) node 3 accepted AMQP connections again while still cut off, if it did. */
  reopenedMs: number | null;
  /** TCP connections of the test's clients still established to node 3 just before the heal. */
  openToCutNodeAtHeal: number;
  /** From the heal until node 3 accepted AMQP connections again (it had finished booting). */
  amqpBackAfterHealMs: number;
  /** From the heal until every node ran, accepted AMQP, and node 1 saw all three. */
  wholeAfterHealMs: number;
  /** Per caller (X, Y): the longest time without an answered call, from the cut on. */
  outageMs: number[];
  /** Per caller: the longest time without an answered call from the heal on. */
  afterHealOutageMs: number[];
  slowestCallMs: number;
}

interface Outcome {
  outcome: string;
  message?: string;
  clear: boolean;
  caller: number;
  sentAt: number;
  endedAt: number;
}

function makeService(name: string, source: string, runs: Map<number, number>, ticks: Map<number, number>) {
  @service(name)
  class Echo {
    @rpc
    async echo(id: number, ms: number) {
      runs.set(id, (runs.get(id) ?? 0) + 1);
      await sleep(ms);
      return id;
    }

    @eventHandler(source, "tick")
    onTick(payload: { n: number }) {
      ticks.set(payload.n, (ticks.get(payload.n) ?? 0) + 1);
    }
  }
  return Echo;
}

/** A name no other run uses (the cluster is new for each run, but a run may hold several). */
function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

/**
 * Polls `problem` every 250 ms until it finds none, or fails with the last one after `limitMs`;
 * resolves with the time it took.
 */
async function timeUntil(problem: () => Promise<string | undefined>, limitMs: number): Promise<number> {
  const start = Date.now();
  for (let last = await problem(); last !== undefined; last = await problem()) {
    if (Date.now() - start > limitMs) throw new Error(`still so after ${limitMs} ms: ${last}`);
    await sleep(250);
  }
  return Date.now() - start;
}

/** Whether node 3, once paused, accepts AMQP connections again before `until`: when it first did, or null. */
async function watchReopening(until: number): Promise<number | null> {
  let reopened: number | null = null;
  while (Date.now() < until - 500) {
    if (reopened === null && (await acceptsAmqp(CUT))) reopened = Date.now();
    await sleep(500);
  }
  await sleep(Math.max(0, until - Date.now()));
  return reopened === null ? null : reopened - (until - PARTITION_MS);
}

/** The longest interval between times, counting the interval up to `end`. */
function longestGap(times: number[], end: number): number {
  const sorted = [...times, end].sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < sorted.length; i++) longest = Math.max(longest, sorted[i]! - sorted[i - 1]!);
  return longest;
}

/**
 * The scenario, with the service's queues declared first from node `declareFrom`: a quorum
 * queue's leader starts on the node that declared it, so this puts the leaders on the cut node
 * (3) or on the majority's side (1).
 */
async function partitionScenario(label: string, declareFrom: NodeNumber): Promise<Counts> {
  const { vhost, uri } = await partitionVhost();
  const name = uniqueName("partition_echo");
  const source = uniqueName("ticker");
  const runs = new Map<number, number>();
  const ticks = new Map<number, number>();
  const Echo = makeService(name, source, runs, ticks);
  const config = (first: NodeNumber) => ({ AMQP_URI: brokerList(uri, first), QUEUE_TYPE: "quorum" as const });
  const runners: ServiceRunner[] = [];
  const callers: Cluster[] = [];
  const outcomes = new Map<number, Outcome>();
  let nextId = 0;
  let running = true;
  const loops: Array<Promise<void>> = [];
  let healed = false;
  try {
    await (await runServices([Echo], { config: config(declareFrom), logger: silentLogger })).stop();
    runners.push(await runServices([Echo], { config: config(CUT), logger: silentLogger }));
    runners.push(await runServices([Echo], { config: config(1), logger: silentLogger }));
    for (const first of [CUT, 2] as const) {
      callers.push(
        await connect({ uri: brokerList(uri, first), logger: silentLogger, timeoutMs: CALL_TIMEOUT_MS }),
      );
    }
    for (const [index, caller] of callers.entries()) {
      for (let i = 0; i < LOOPS; i++) loops.push(callLoop(caller, index));
    }
    let eventsSent = 0;
    let eventsFailed = 0;
    const sentEvents: number[] = [];
    loops.push(
      (async () => {
        for (let n = 0; running; n++) {
          try {
            await callers[0]!.dispatchEvent(source, "tick", { n });
            sentEvents.push(n);
            eventsSent++;
          } catch {
            eventsFailed++;
          }
          await sleep(50);
        }
      })(),
    );

    await sleep(3000); // steady
    const cutAt = Date.now();
    await partitionScript("partition", String(CUT));
    const pausedAfterMs = await timeUntil(
      async () => ((await acceptsAmqp(CUT)) ? `node ${CUT} still accepts AMQP connections` : undefined),
      PARTITION_MS,
    );
    const reopenedMs = await watchReopening(cutAt + PARTITION_MS);
    const openToCutNodeAtHeal = await openConnectionsTo(CUT);
    const healAt = Date.now();
    await partitionScript("heal", String(CUT));
    healed = true;
    const amqpBackAfterHealMs = await timeUntil(
      async () => ((await acceptsAmqp(CUT)) ? undefined : `node ${CUT} refuses AMQP connections`),
      120_000,
    );
    const wholeAfterHealMs = amqpBackAfterHealMs + (await timeUntil(notWhole, 120_000));
    await sleep(AFTER_HEAL_MS);
    running = false;
    const stoppedAt = Date.now();
    await Promise.all(loops);
    // Handlers catch up with the events still queued.
    const deadline = Date.now() + 30_000;
    while (sentEvents.some((n) => !ticks.has(n)) && Date.now() < deadline) await sleep(200);

    const failed: Record<string, number> = {};
    let answered = 0;
    let wrong = 0;
    let lost = 0;
    let unclear = 0;
    let slowestCallMs = 0;
    const failures: Counts["failures"] = {};
    const answeredBy: number[][] = callers.map(() => [cutAt]);
    for (const { outcome, message, clear, caller, sentAt, endedAt } of outcomes.values()) {
      if (outcome === "ok" && endedAt >= cutAt) answeredBy[caller]!.push(endedAt);
      if (outcome === "ok") answered++;
      else if (outcome === "wrong") wrong++;
      else failed[outcome] = (failed[outcome] ?? 0) + 1;
      if (outcome === RpcTimeout.name) lost++;
      if (outcome !== "ok" && outcome !== "wrong" && !clear) unclear++;
      if (message !== undefined) {
        const key = `${"XY"[caller]} ${outcome}`;
        const seen = failures[key] ?? { message, firstMs: endedAt - cutAt, lastMs: endedAt - cutAt };
        failures[key] = { ...seen, lastMs: Math.max(seen.lastMs, endedAt - cutAt) };
      }
      if (sentAt >= cutAt) slowestCallMs = Math.max(slowestCallMs, endedAt - sentAt);
    }
    const counts: Counts = {
      sent: nextId,
      answered,
      failed,
      unclear,
      failures,
      lost,
      wrong,
      duplicated: [...runs.values()].filter((count) => count > 1).length,
      eventsSent,
      eventsFailed,
      eventsHandled: ticks.size,
      eventsLost: sentEvents.filter((n) => !ticks.has(n)).length,
      eventsDuplicated: [...ticks.values()].filter((count) => count > 1).length,
      pausedAfterMs,
      reopenedMs,
      openToCutNodeAtHeal,
      amqpBackAfterHealMs,
      wholeAfterHealMs,
      outageMs: answeredBy.map((times) => longestGap(times, stoppedAt)),
      afterHealOutageMs: answeredBy.map((times) =>
        longestGap([healAt, ...times.filter((t) => t >= healAt)], stoppedAt),
      ),
      slowestCallMs,
    };
    console.log(
      `# ${label} (node ${CUT} cut off from nodes 1 and 2 for ${PARTITION_MS / 1000} s, healed ${healAt - cutAt} ms after the cut): ${JSON.stringify(counts)}`,
    );
    assert.equal(outcomes.size, nextId, "every call ended");
    return counts;
  } finally {
    running = false;
    await Promise.all(loops);
    if (!healed) await partitionScript("heal", String(CUT)).catch(() => undefined);
    for (const caller of callers) await caller.close().catch(() => undefined);
    for (const runner of runners) await runner.stop().catch(() => undefined);
    await ctl(1, ["delete_vhost", vhost]).catch(() => undefined);
  }

  /** Calls without pause until the load stops, recording each call's outcome. */
  async function callLoop(caller: Cluster, index: number): Promise<void> {
    while (running) {
      const id = nextId++;
      const sentAt = Date.now();
      let outcome: string;
      let message: string | undefined;
      let clear = true;
      try {
        const result = await caller.rpc[name]!.echo!(id, WORK_MS);
        outcome = result === id ? "ok" : "wrong";
      } catch (err) {
        outcome = (err as Error).name;
        message = (err as Error).message;
        clear = err instanceof EnokiError;
        await sleep(100); // a failing caller does not spin
      }
      outcomes.set(id, {
        outcome,
        ...(message !== undefined && { message }),
        clear,
        caller: index,
        sentAt,
        endedAt: Date.now(),
      });
    }
  }
}

const skip = await cannotPartition();

describe("a network partition in a three-node cluster under load", {
  concurrency: 1,
  skip: skip ?? false,
}, () => {
  before(async () => {
    await partitionScript("start");
  });
  after(async () => {
    // ENOKI_PARTITION_KEEP=1 leaves the cluster (and its logs) for a look after a failure.
    if (process.env.ENOKI_PARTITION_KEEP !== "1") await partitionScript("stop");
  });

  test("(d) node 3, which leads the service's quorum queues, is cut off from nodes 1 and 2", async () => {
    await assertRecovered(await partitionScenario("d, leaders on node 3", CUT));
  });

  test("(d) node 3 is cut off from nodes 1 and 2, which lead the service's quorum queues", async () => {
    await assertRecovered(await partitionScenario("d, leaders on node 1", 1));
  });
});

async function assertRecovered(counts: Counts): Promise<void> {
  assert.equal(counts.wrong, 0, "a caller got another call's reply");
  assert.equal(counts.lost, 0, "a call waited for a reply that never came");
  assert.equal(
    counts.unclear,
    0,
    `a call failed with an error that is not Enoki's: ${JSON.stringify(counts.failed)}`,
  );
  assert.equal(counts.eventsLost, 0, "an event dispatched (confirmed) was never handled");
  assert.ok(counts.answered > 0);
  // The caller on the majority's side is answered while the partition lasts. The caller on the
  // cut node is not always: RabbitMQ sometimes refuses its calls (MessageRefused, counted above)
  // until the heal (docs/reliability.md). Both are answered soon after the heal.
  assert.ok(
    counts.outageMs[1]! < PARTITION_MS,
    `caller Y went unanswered as long as the partition: ${counts.outageMs}`,
  );
  assert.ok(
    counts.afterHealOutageMs.every((ms) => ms < 10_000),
    `a caller went unanswered too long after the heal: ${counts.afterHealOutageMs}`,
  );
  assert.equal(await notWhole(), undefined, "the cluster is whole again after the heal");
}

/**
 * The cluster tier: a real three-node RabbitMQ cluster (scripts/cluster.sh, run by
 * `npm run test:cluster`), quorum queues, and nodes going away under load.
 *
 * Each scenario runs two instances of a service (`QUEUE_TYPE: quorum`) connected to different
 * nodes, two callers on other nodes making calls without pause, and a stream of events to a
 * `service_pool` handler, each process with the whole broker list in `AMQP_URI`, its own node
 * first. Then a node goes away, and comes back. Counted: calls sent, answered, failed (by error),
 * lost (timed out: the caller waited in vain), executions of one call more than once, events
 * dispatched, handled, lost and handled twice, and the recovery: the longest time without an
 * answered call after the fault, and the slowest call sent after it. The figures are printed
 * (`# ...` lines) and quoted in docs/reliability.md. Scenario (b) declares the queues from node 3
 * first, so that the leader of `rpc-<service>` is a node no service instance is connected to.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  type Cluster,
  connect,
  eventHandler,
  rpc,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
} from "../../src/index.js";
import { uniqueName } from "../support/broker.js";
import {
  allRunning,
  brokerList,
  clusterVhost,
  ctl,
  leaderOf,
  NODES,
  type NodeNumber,
  startNode,
  stopNode,
} from "../support/cluster-nodes.js";

/** How long a call waits for its reply. */
const CALL_TIMEOUT_MS = 20_000;
/** Concurrent call loops per caller. */
const LOOPS = 4;
/** How long a call's work takes. */
const WORK_MS = 20;

interface Counts {
  sent: number;
  answered: number;
  failed: Record<string, number>;
  lost: number;
  wrong: number;
  duplicated: number;
  eventsSent: number;
  eventsFailed: number;
  eventsHandled: number;
  eventsLost: number;
  eventsDuplicated: number;
  longestGapMs: number;
  slowestCallMs: number;
  /** Per caller: the longest time without an answered call, from the fault on (its outage). */
  outageMs: number[];
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

/**
 * One scenario: instances on nodes 1 and 2, callers on 3 and 1, steady load, then `fault` at
 * a time it returns, the load kept up for `loadMs` after it, then every node running again.
 */
async function scenario(
  label: string,
  fault: (ctx: { vhost: string; rpcQueue: string }) => Promise<string>,
  loadMs: number,
  /** Declare the service's queues from this node first (a quorum queue's leader is there). */
  declareFrom?: NodeNumber,
): Promise<Counts> {
  const { vhost, uri } = await clusterVhost();
  const name = uniqueName("cluster_echo");
  const source = uniqueName("ticker");
  const runs = new Map<number, number>();
  const ticks = new Map<number, number>();
  const Echo = makeService(name, source, runs, ticks);
  const config = (first: NodeNumber) => ({ AMQP_URI: brokerList(uri, first), QUEUE_TYPE: "quorum" as const });
  const runners: ServiceRunner[] = [];
  const callers: Cluster[] = [];
  const outcomes = new Map<number, { outcome: string; caller: number; sentAt: number; endedAt: number }>();
  const answeredAt: number[] = [];
  let nextId = 0;
  let running = true;
  const loops: Array<Promise<void>> = [];
  try {
    if (declareFrom !== undefined) {
      await (await runServices([Echo], { config: config(declareFrom), logger: silentLogger })).stop();
    }
    runners.push(await runServices([Echo], { config: config(1), logger: silentLogger }));
    runners.push(await runServices([Echo], { config: config(2), logger: silentLogger }));
    for (const first of [3, 1] as const) {
      callers.push(
        await connect({ uri: brokerList(uri, first), logger: silentLogger, timeoutMs: CALL_TIMEOUT_MS }),
      );
    }
    for (const [index, caller] of callers.entries()) {
      for (let i = 0; i < LOOPS; i++) {
        loops.push(
          (async () => {
            while (running) {
              const id = nextId++;
              const sentAt = Date.now();
              let outcome: string;
              try {
                const result = await caller.rpc[name]!.echo!(id, WORK_MS);
                outcome = result === id ? "ok" : "wrong";
                if (outcome === "ok") answeredAt.push(Date.now());
              } catch (err) {
                outcome = (err as Error).name;
                await sleep(100); // a failing caller does not spin
              }
              outcomes.set(id, { outcome, caller: index, sentAt, endedAt: Date.now() });
            }
          })(),
        );
      }
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
    const rpcQueue = `rpc-${name}`;
    const faultAt = Date.now();
    const what = await fault({ vhost, rpcQueue });
    await sleep(loadMs);
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
    let slowestCallMs = 0;
    const answeredBy: number[][] = callers.map(() => [faultAt]);
    for (const { outcome, caller, sentAt, endedAt } of outcomes.values()) {
      if (outcome === "ok" && endedAt >= faultAt) answeredBy[caller]!.push(endedAt);
      if (outcome === "ok") answered++;
      else if (outcome === "wrong") wrong++;
      else failed[outcome] = (failed[outcome] ?? 0) + 1;
      if (outcome === "RpcTimeout") lost++;
      if (sentAt >= faultAt) slowestCallMs = Math.max(slowestCallMs, endedAt - sentAt);
    }
    const longestGapMs = longestGap([faultAt, ...answeredAt.filter((t) => t >= faultAt)], stoppedAt);
    const counts: Counts = {
      sent: nextId,
      answered,
      failed,
      lost,
      wrong,
      duplicated: [...runs.values()].filter((count) => count > 1).length,
      eventsSent,
      eventsFailed,
      eventsHandled: ticks.size,
      eventsLost: sentEvents.filter((n) => !ticks.has(n)).length,
      eventsDuplicated: [...ticks.values()].filter((count) => count > 1).length,
      longestGapMs,
      slowestCallMs,
      outageMs: answeredBy.map((times) => longestGap(times, stoppedAt)),
    };
    console.log(`# ${label} (${what}): ${JSON.stringify(counts)}`);
    assert.equal(outcomes.size, nextId, "every call ended");
    return counts;
  } finally {
    running = false;
    await Promise.all(loops);
    for (const caller of callers) await caller.close().catch(() => undefined);
    for (const runner of runners) await runner.stop().catch(() => undefined);
    for (const n of NODES) await startNode(n); // a scenario leaves every node running
    await ctl(1, "delete_vhost", vhost).catch(() => undefined);
  }
}

/** The longest interval between sorted times, counting the interval up to `end`. */
function longestGap(times: number[], end: number): number {
  const sorted = [...times, end].sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < sorted.length; i++) longest = Math.max(longest, sorted[i]! - sorted[i - 1]!);
  return longest;
}

// What a call may fail with when a node goes: errors that say what happened, never a timeout.
const CLEAR_ERRORS = ["ReplyQueueLost", "ConnectionLost"];

function assertNothingLost(counts: Counts): void {
  assert.deepEqual(
    Object.keys(counts.failed).filter((name) => !CLEAR_ERRORS.includes(name)),
    [],
    `calls failed with unclear errors: ${JSON.stringify(counts.failed)}`,
  );
  assert.equal(counts.wrong, 0, "a caller got another call's reply");
  assert.equal(counts.lost, 0, "a call waited for a reply that never came");
  assert.equal(counts.eventsLost, 0, "an event dispatched (confirmed) was never handled");
  assert.ok(counts.answered > 0);
  // Each caller is answered again well before the end of the load (no caller is left broken).
  assert.ok(
    counts.outageMs.every((ms) => ms < 10_000),
    `a caller went unanswered too long: ${counts.outageMs}`,
  );
}

describe("a three-node cluster under load", { concurrency: 1 }, () => {
  before(async () => {
    if (!(await allRunning())) {
      throw new Error(
        "the cluster is not running: npm run test:cluster starts it (scripts/cluster.sh start)",
      );
    }
  });
  after(async () => {
    for (const n of NODES) await startNode(n);
  });

  test("(a) the node one service instance is connected to stops", async () => {
    const counts = await scenario(
      "a",
      async () => {
        await stopNode(1);
        return "node 1 stopped: instance A's and caller Y's node";
      },
      20_000,
    );
    assertNothingLost(counts);
    // Caller Y always has calls out when its node stops: their classic reply queue is gone with the
    // node (the broker answers its re-declaration with 404), and they fail at once, not at timeout.
    assert.ok((counts.failed.ReplyQueueLost ?? 0) > 0, JSON.stringify(counts.failed));
  });

  test("(b) the node leading the rpc-<service> quorum queue stops", async () => {
    const counts = await scenario(
      "b",
      async ({ vhost, rpcQueue }) => {
        const leader = await leaderOf(vhost, rpcQueue, 1);
        await stopNode(leader);
        return `node ${leader} stopped: the leader of ${rpcQueue}, caller X's node`;
      },
      20_000,
      3,
    );
    assertNothingLost(counts);
  });

  test("(c) a node stops and starts again while the load runs", async () => {
    const counts = await scenario(
      "c",
      async () => {
        await stopNode(2);
        await sleep(5000);
        await startNode(2);
        return "node 2 (instance B's) stopped, started again after 5 s";
      },
      15_000,
    );
    assertNothingLost(counts);
  });
});

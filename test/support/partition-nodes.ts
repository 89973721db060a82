/**
 * The three-node RabbitMQ cluster of scripts/partition-cluster.sh, whose nodes live in network
 * namespaces (enoki-p1..3, 10.213.0.1-3) so that one can be cut off from the others: starting and
 * removing it, partitioning and healing, node URIs in a vhost of the test's own, and what each
 * node says of the cluster.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { connect as tcpConnect } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const script = fileURLToPath(new URL("../../scripts/partition-cluster.sh", import.meta.url));
const run = promisify(execFile);

/** The cluster's nodes, 1 to 3. */
export type NodeNumber = 1 | 2 | 3;
export const NODES: readonly NodeNumber[] = [1, 2, 3];

/** Runs scripts/partition-cluster.sh with `args`; resolves with its output. */
export async function partitionScript(...args: string[]): Promise<string> {
  const { stdout } = await run("bash", [script, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/**
 * Why this machine cannot run the partition cluster, or `undefined` if it can: it takes root (to
 * make namespaces, veth pairs and a bridge) and iproute2's `ip netns`.
 */
export async function cannotPartition(): Promise<string | undefined> {
  // The script's own check makes a namespace, a bridge and a veth pair, as its start would.
  try {
    await run("bash", [script, "check"]);
    return undefined;
  } catch (err) {
    const why = String((err as { stdout?: unknown }).stdout ?? "").trim();
    return `the partition test cannot run here: ${why || (err as Error).message}`;
  }
}

/** rabbitmqctl against node `n` (quiet), given at most `timeoutMs` (a cut-off node may hang). */
export async function ctl(n: NodeNumber, args: string[], timeoutMs = 30_000): Promise<string> {
  const { stdout } = await run("bash", [script, "ctl", String(n), "-q", ...args], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: timeoutMs,
  });
  return stdout;
}

/** The address of node `n` on the namespaces' bridge. */
export function addressOf(n: NodeNumber): string {
  return `10.213.0.${n}`;
}

/** The Erlang node name of node `n`. */
export function nodeName(n: NodeNumber): string {
  return `enoki-p${n}@${addressOf(n)}`;
}

/** A vhost of its own on the cluster, with the URI of each node in it. */
export async function partitionVhost(): Promise<{ vhost: string; uri(n: NodeNumber): string }> {
  const vhost = `enoki-partition-${Date.now()}-${randomBytes(3).toString("hex")}`;
  await ctl(1, ["add_vhost", vhost]);
  await ctl(1, ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"]);
  return { vhost, uri: (n) => `amqp://guest:guest@${addressOf(n)}:5672/${encodeURIComponent(vhost)}` };
}

/** A broker list in kombu's syntax, the given node first, then the others in order. */
export function brokerList(uri: (n: NodeNumber) => string, first: NodeNumber): string {
  return [first, ...NODES.filter((n) => n !== first)].map(uri).join(";");
}

/** The nodes that node `n` counts as running, and the partitions it reports; undefined if it does not answer. */
export async function clusterView(
  n: NodeNumber,
): Promise<{ running: string[]; partitions: Record<string, string[]> } | undefined> {
  try {
    const out = await ctl(n, ["cluster_status", "--formatter", "json"], 10_000);
    const status = JSON.parse(out) as { running_nodes: string[]; partitions: Record<string, string[]> };
    return { running: status.running_nodes, partitions: status.partitions };
  } catch {
    return undefined;
  }
}

/** Whether node `n` accepts AMQP connections (a node paused by pause_minority closes its listener). */
export function acceptsAmqp(n: NodeNumber): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: addressOf(n), port: 5672, timeout: 2000 });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/**
 * What keeps the cluster from being whole (every node runs and accepts AMQP, node 1 sees all three
 * and no partition), or `undefined` when it is whole.
 */
export async function notWhole(): Promise<string | undefined> {
  for (const n of NODES) if (!(await acceptsAmqp(n))) return `node ${n} refuses AMQP connections`;
  const view = await clusterView(1);
  if (view === undefined) return "node 1 does not answer cluster_status";
  const missing = NODES.filter((n) => !view.running.includes(nodeName(n)));
  if (missing.length > 0) return `node 1 does not count node ${missing.join(", ")} as running`;
  if (Object.keys(view.partitions).length > 0)
    return `node 1 reports partitions ${JSON.stringify(view.partitions)}`;
  return undefined;
}

/**
 * How many TCP connections from this (root) namespace to node `n`'s AMQP port are established:
 * whether clients are still connected to a node that has paused.
 */
export async function openConnectionsTo(n: NodeNumber): Promise<number> {
  const { stdout } = await run("ss", ["-tnH", "state", "established", "dst", `${addressOf(n)}:5672`]);
  return stdout.split("\n").filter((line) => line.trim() !== "").length;
}

/**
 * The three-node RabbitMQ cluster of the cluster tier (scripts/cluster.sh, ports 5681-5683),
 * driven from tests: node URIs in a vhost of the test's own, stopping and starting nodes, and
 * which node leads a quorum queue.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const script = fileURLToPath(new URL("../../scripts/cluster.sh", import.meta.url));
const run = promisify(execFile);

/** The cluster's nodes, 1 to 3. */
export type NodeNumber = 1 | 2 | 3;
export const NODES: readonly NodeNumber[] = [1, 2, 3];

/** Runs scripts/cluster.sh with `args`; resolves with its output. */
export async function clusterScript(...args: string[]): Promise<string> {
  const { stdout } = await run("bash", [script, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** rabbitmqctl against node `n` (quiet). */
export function ctl(n: NodeNumber, ...args: string[]): Promise<string> {
  return clusterScript("ctl", String(n), "-q", ...args);
}

/** The AMQP port of node `n`. */
export function portOf(n: NodeNumber): number {
  return 5680 + n;
}

/** The Erlang node name of node `n`. */
export function nodeName(n: NodeNumber): string {
  return `enoki-c${n}@localhost`;
}

/** A vhost of its own on the cluster, with the URI of each node in it. */
export async function clusterVhost(): Promise<{ vhost: string; uri(n: NodeNumber): string }> {
  const vhost = `enoki-cluster-${Date.now()}-${randomBytes(3).toString("hex")}`;
  await ctl(1, "add_vhost", vhost);
  await ctl(1, "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
  return {
    vhost,
    uri: (n) => `amqp://guest:guest@127.0.0.1:${portOf(n)}/${encodeURIComponent(vhost)}`,
  };
}

/** A broker list in kombu's syntax, the given node first, then the others in order. */
export function brokerList(uri: (n: NodeNumber) => string, first: NodeNumber): string {
  return [first, ...NODES.filter((n) => n !== first)].map(uri).join(";");
}

/** Which node leads a quorum queue, asked of a running node. */
export async function leaderOf(vhost: string, queue: string, askNode: NodeNumber): Promise<NodeNumber> {
  const out = await ctl(askNode, "list_queues", "-p", vhost, "name", "leader", "--formatter", "json");
  const row = (JSON.parse(out) as Array<{ name: string; leader: string }>).find((r) => r.name === queue);
  const n = NODES.find((node) => row?.leader === nodeName(node));
  if (n === undefined) throw new Error(`no leader for ${queue}: ${out}`);
  return n;
}

/** Stops node `n` (its data stays; the others keep the cluster). */
export async function stopNode(n: NodeNumber): Promise<void> {
  await clusterScript("stop-node", String(n));
}

/** Starts node `n` again; it rejoins the cluster. */
export async function startNode(n: NodeNumber): Promise<void> {
  await clusterScript("start-node", String(n));
}

/** Whether every node runs (scripts/cluster.sh status). */
export async function allRunning(): Promise<boolean> {
  const out = await clusterScript("status").catch(() => "");
  return NODES.every((n) => out.includes(`${nodeName(n)} running`));
}

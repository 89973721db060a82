/**
 * Test access to the real RabbitMQ, isolated per run (a vhost made by scripts/run-tests.mjs) or,
 * for tests that disturb connections, per file (their own vhost).
 */
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const ownVhosts: string[] = [];

/** The broker URI for this test run's vhost (created here when a file is run on its own). */
const runUri: string = process.env.ENOKI_TEST_AMQP_URI ?? createVhost("enoki-test-solo").uri;

/** The broker URI for this test run's vhost. */
export function brokerUri(): string {
  return runUri;
}

/**
 * A vhost of its own, deleted when the test process exits: after every `after` hook has closed its
 * connections (deleting it earlier would cut them, and they would reconnect forever).
 */
export function createVhost(prefix = "enoki-test-iso"): { uri: string; vhost: string } {
  const vhost = `${prefix}-${Date.now()}-${randomBytes(3).toString("hex")}`;
  rabbitmqctl("add_vhost", vhost);
  rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
  if (ownVhosts.length === 0) process.once("exit", deleteOwnVhosts);
  ownVhosts.push(vhost);
  return { uri: `amqp://guest:guest@localhost/${encodeURIComponent(vhost)}`, vhost };
}

function deleteOwnVhosts(): void {
  for (const vhost of ownVhosts) {
    try {
      rabbitmqctl("delete_vhost", vhost);
    } catch {
      // already gone; scripts/run-tests.mjs sweeps leftovers older than an hour
    }
  }
}

/** Runs rabbitmqctl and returns its output. */
export function rabbitmqctl(...args: string[]): string {
  return execFileSync("rabbitmqctl", ["-q", ...args], { stdio: ["ignore", "pipe", "pipe"] }).toString();
}

/** Runs rabbitmqctl without blocking the event loop (the process under test keeps running). */
export async function rabbitmqctlAsync(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)("rabbitmqctl", ["-q", ...args]);
  return stdout;
}

/** The vhost name of a broker URI. */
export function vhostOf(uri: string): string {
  const path = new URL(uri).pathname;
  return path === "" || path === "/" ? "/" : decodeURIComponent(path.slice(1));
}

/** A name no other test uses: `prefix_<hex>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

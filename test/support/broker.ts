/**
 * Test access to the real RabbitMQ, isolated per run (a vhost made by scripts/run-tests.mjs) or,
 * for tests that disturb connections, per file (their own vhost).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { after } from "node:test";

/** The broker URI for this test run's vhost (created here when a file is run on its own). */
const runUri: string = process.env.ENOKI_TEST_AMQP_URI ?? createVhost("enoki-test-solo").uri;

/** The broker URI for this test run's vhost. */
export function brokerUri(): string {
  return runUri;
}

/**
 * A vhost of its own, deleted when the test file ends. Call it at the top level of a test file:
 * node:test runs an `after` registered inside a hook as soon as that hook ends.
 */
export function createVhost(prefix = "enoki-test-iso"): { uri: string; vhost: string } {
  const vhost = `${prefix}-${Date.now()}-${randomBytes(3).toString("hex")}`;
  rabbitmqctl("add_vhost", vhost);
  rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
  after(() => {
    try {
      rabbitmqctl("delete_vhost", vhost);
    } catch {
      // already gone
    }
  });
  return { uri: `amqp://guest:guest@localhost/${encodeURIComponent(vhost)}`, vhost };
}

/** Runs rabbitmqctl and returns its output. */
export function rabbitmqctl(...args: string[]): string {
  return execFileSync("rabbitmqctl", ["-q", ...args], { stdio: ["ignore", "pipe", "pipe"] }).toString();
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

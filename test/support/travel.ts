/**
 * The travel example (examples/travel) in tests: its services as real `enoki run` processes with
 * its config.yml, ports picked by the system, and a Redis key prefix of the test's own.
 */
import assert from "node:assert/strict";
import { type AddressInfo, createServer } from "node:net";
import { Redis } from "ioredis";
import { type CliProcess, startCli } from "./cli.js";

/** The example's config file, as the README and the Dockerfile give it to `enoki run`. */
export const TRAVEL_CONFIG = "examples/travel/config.yml";
/** Where this machine's Redis is (the config's default). */
export const REDIS_URI = "redis://127.0.0.1:6379/0";

/** One `enoki run` of travel modules, once it runs. */
export interface TravelProcess {
  readonly cli: CliProcess;
  /** `http://127.0.0.1:<port>` of the health server. */
  readonly health: string;
  /** `http://127.0.0.1:<port>` of the HTTP server, when a module serves HTTP (the gateway). */
  readonly http: string | undefined;
}

/** The environment config.yml reads: the broker, the key prefix, and ports picked by the system. */
export function travelEnv(amqpUri: string, keyPrefix: string): Record<string, string> {
  return {
    AMQP_URI: amqpUri,
    REDIS_KEY_PREFIX: keyPrefix,
    WEB_SERVER_ADDRESS: "127.0.0.1:0",
    HEALTH_ADDRESS: "127.0.0.1:0",
  };
}

/**
 * `node dist/cli/main.js run examples/travel/<module>.ts ... --config examples/travel/config.yml`,
 * resolved once its services run and its health server says ready.
 */
export async function startTravel(
  modules: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<TravelProcess> {
  const paths = modules.map((module) => `examples/travel/${module}.ts`);
  const cli = startCli(["run", ...paths, "--config", TRAVEL_CONFIG], { env });
  await cli.waitForLog(/"running services: /, 60_000);
  const health = `http://${addressIn(await cli.waitForLog(/health checks on http:\/\//))}`;
  const httpLine = cli
    .stderr()
    .split("\n")
    .find((line) => line.includes("HTTP server listening on "));
  const http = httpLine === undefined ? undefined : `http://${addressIn(httpLine)}`;
  const ready = await fetch(`${health}/health/ready`);
  assert.equal(ready.status, 200, await ready.text());
  return { cli, health, http };
}

function addressIn(logLine: string): string {
  const match = /(?:listening on |http:\/\/)(127\.0\.0\.1:\d+)/.exec(logLine);
  assert.ok(match, `no address in ${logLine}`);
  return match[1] as string;
}

/** Deletes every Redis key under `prefix` (for `after`); returns how many there were. */
export async function deleteKeys(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URI);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    return keys.length;
  } finally {
    redis.disconnect();
  }
}

/** A TCP port that nothing listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

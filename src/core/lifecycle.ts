/**
 * Running one lifecycle phase over a set of extensions, in parallel, each with a time limit.
 */

import type { Logger } from "../util/logger.js";
import { within } from "../util/within.js";
import { ExtensionTimeoutError } from "./errors.js";
import type { Extension, Phase } from "./extension.js";

/** Time limits per phase, in milliseconds. */
export type PhaseTimeouts = Readonly<Record<Phase, number>>;

/** Default phase time limits. `stop` includes waiting for running workers. */
export const DEFAULT_PHASE_TIMEOUTS: PhaseTimeouts = {
  setup: 30_000,
  start: 30_000,
  stop: 60_000,
  kill: 10_000,
};

/**
 * Runs `phase` on every extension at once. Rejects with the first failure (an
 * {@link ExtensionTimeoutError} names the extension that ran out of time); the `kill` phase never
 * rejects, it logs.
 */
export async function runPhase(
  extensions: Iterable<Extension>,
  phase: Phase,
  timeoutMs: number,
  logger: Logger,
  reason?: Error,
): Promise<void> {
  const runs = [...extensions].map((ext) => withTimeout(ext, phase, timeoutMs, reason));
  if (phase !== "kill") {
    await Promise.all(runs);
    return;
  }
  for (const outcome of await Promise.allSettled(runs)) {
    if (outcome.status === "rejected")
      logger.error({ err: outcome.reason }, "error while killing an extension");
  }
}

async function withTimeout(ext: Extension, phase: Phase, timeoutMs: number, reason?: Error): Promise<void> {
  const run = phase === "kill" ? ext.kill?.(reason ?? new Error("killed")) : ext[phase]?.();
  if (run === undefined) return;
  await within(run, timeoutMs, () => new ExtensionTimeoutError(ext.name, phase, timeoutMs));
}

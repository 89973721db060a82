/**
 * Waiting for something asynchronous to happen in a test, without fixed sleeps.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Polls `condition` until it is true; fails with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return sleep(ms);
}

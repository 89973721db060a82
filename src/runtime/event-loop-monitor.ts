/**
 * Watching for a blocked event loop. A worker doing CPU-heavy work on the event loop stops the
 * process from answering the broker's heartbeats; after 2 × HEARTBEAT seconds of silence the
 * broker drops the connection and hands every unacknowledged message, including the one still
 * being worked on, to another consumer: the work runs twice (nameko#477). This monitor cannot
 * prevent that (nothing runs while the loop is blocked), but it says so right after, with the
 * remedies, long before the limit is reached in production.
 */
import type { Logger } from "../util/logger.js";

/** Options of {@link monitorEventLoop}. */
export interface EventLoopMonitorOptions {
  /** Lag that earns a warning, in milliseconds. */
  readonly warnAfterMs: number;
  /** The connection's heartbeat in seconds (0: off), to say how close the lag came to the limit. */
  readonly heartbeatSeconds: number;
  readonly logger: Logger;
}

const TICK_MS = 250;

/** Starts watching; returns a function that stops it. */
export function monitorEventLoop(options: EventLoopMonitorOptions): () => void {
  let expected = performance.now() + TICK_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    const lagMs = Math.round(now - expected);
    expected = now + TICK_MS;
    if (lagMs >= options.warnAfterMs) warn(options, lagMs);
  }, TICK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

function warn({ logger, heartbeatSeconds }: EventLoopMonitorOptions, lagMs: number): void {
  const limitMs = heartbeatSeconds * 2000;
  const limit =
    heartbeatSeconds > 0
      ? ` The broker drops a connection silent for 2 × HEARTBEAT = ${limitMs / 1000} s (this was ${Math.round((100 * lagMs) / limitMs)}% of it) and redelivers the messages in progress, so they would run twice.`
      : "";
  logger.warn(
    { lagMs, heartbeatSeconds },
    `the event loop was blocked for ${lagMs} ms, probably by CPU-heavy work in a worker.${limit} ` +
      "Move such work off the event loop (node:worker_threads), or raise HEARTBEAT.",
  );
}

/** A logger whose lines a test can read back. */
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../../src/util/logger.js";

export interface CapturedLogs {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
  /** Waits until a line satisfies `match` (or fails after `timeoutMs`). */
  waitFor(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

export function captureLogs(level = "debug"): CapturedLogs {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    logger: createLogger({ level, destination }),
    lines,
    async waitFor(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = lines.find(match);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no matching log line; saw:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`);
    },
  };
}

/**
 * A logger that records every line, for tests that assert on logs.
 */
import type { Logger } from "../../src/index.js";

/** One recorded log line: level, message, and the fields (bindings included). */
export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps its lines in `lines`. */
export function captureLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { lines: LogLine[] } {
  const write = (level: LogLine["level"]) => (obj: object | string, msg?: string) => {
    const fields = typeof obj === "string" ? { ...bindings } : { ...bindings, ...obj };
    lines.push({ level, msg: typeof obj === "string" ? obj : (msg ?? ""), fields });
  };
  return {
    lines,
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (more) => captureLogger(lines, { ...bindings, ...more }),
  };
}

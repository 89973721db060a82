/**
 * Human-readable log lines for a terminal: pino writes JSON lines, this turns each into
 * `12:00:01.234 INFO  [greeting_service] message  key=value`, coloured when the terminal takes it.
 */
import { Writable } from "node:stream";
import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

const LEVELS: Readonly<Record<number, readonly [label: string, style: Style]>> = {
  10: ["TRACE", "gray"],
  20: ["DEBUG", "gray"],
  30: ["INFO ", "green"],
  40: ["WARN ", "yellow"],
  50: ["ERROR", "red"],
  60: ["FATAL", ["red", "bold"]],
};

// Fields every line has, or that the line shows in its own place.
const SHOWN_ELSEWHERE = new Set(["level", "time", "pid", "hostname", "msg", "service", "err"]);

/** A stream for pino that writes each JSON line to `out` as a readable line. */
export function prettyLogStream(out: NodeJS.WritableStream & { isTTY?: boolean }): Writable {
  const paint = (style: Style, text: string) =>
    styleText(style, text, { stream: out as NodeJS.WriteStream, validateStream: true });
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      for (const line of String(chunk).split("\n")) {
        if (line !== "") out.write(`${formatLogLine(line, paint)}\n`);
      }
      done();
    },
  });
}

/** Formats one pino JSON line; a line that is not JSON is returned unchanged. */
export function formatLogLine(line: string, paint: (style: Style, text: string) => string = plain): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const [label, style] = LEVELS[Number(entry.level)] ?? [String(entry.level).padEnd(5), "white"];
  const parts = [paint("dim", clock(entry.time)), paint(style, label)];
  if (typeof entry.service === "string") parts.push(paint("cyan", `[${entry.service}]`));
  parts.push(String(entry.msg ?? ""));
  const fields = Object.entries(entry)
    .filter(([key, value]) => !SHOWN_ELSEWHERE.has(key) && value !== undefined)
    .map(([key, value]) =>
      paint("dim", `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`),
    );
  let text = [...parts, ...fields].join(" ");
  const err = entry.err as LoggedError | string | undefined;
  if (typeof err === "string") {
    text += ` ${paint("dim", `err=${err}`)}`;
  } else if (err !== undefined) {
    const showStack = Number(entry.level) >= 50 && typeof err.stack === "string";
    text += showStack
      ? `\n${indent(err.stack as string)}`
      : ` ${paint("dim", `err=${err.type ?? "Error"}: ${err.message}`)}`;
    // pino's errWithCause keeps each cause as its own object (the reason behind a wrapper).
    for (let cause = err.cause; cause !== undefined; cause = cause.cause) {
      text += showStack
        ? `\n${indent(`caused by: ${cause.stack ?? `${cause.type ?? "Error"}: ${cause.message}`}`)}`
        : ` ${paint("dim", `caused by ${cause.type ?? "Error"}: ${cause.message}`)}`;
    }
  }
  return text;
}

/** An error as pino's errWithCause serializer writes it. */
interface LoggedError {
  type?: string;
  message?: string;
  stack?: string;
  cause?: LoggedError;
}

function plain(_style: Style, text: string): string {
  return text;
}

function clock(time: unknown): string {
  const date = typeof time === "number" ? new Date(time) : new Date();
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

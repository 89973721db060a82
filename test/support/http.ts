/**
 * HTTP test helpers: where a runner's HTTP server listens, and a raw-socket client for requests
 * no well-behaved client would send.
 */
import { connect, type Socket } from "node:net";
import type { HttpEntrypoint } from "../../src/http/http.js";
import type { ServiceRunner } from "../../src/index.js";

/** `http://127.0.0.1:<port>` of the HTTP server a runner's service uses. */
export function httpBase(runner: ServiceRunner, service: string): string {
  const entrypoint = runner.container(service)?.entrypoints.find((e) => e.name.startsWith("http ")) as
    | HttpEntrypoint
    | undefined;
  const address = entrypoint?.server.address;
  if (address === undefined) throw new Error(`${service} has no listening HTTP server`);
  return `http://${address.host}:${address.port}`;
}

/** The port of a base URL. */
export function portOf(base: string): number {
  return Number(new URL(base).port);
}

/** A response read off a raw socket. `status` is 0 when nothing came back. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly raw: string;
  /** Whether the server closed the connection (rather than the helper giving up). */
  readonly closedByServer: boolean;
  readonly elapsedMs: number;
}

/**
 * Opens a connection, sends `request` (text, or a function writing to the socket at its own
 * pace), and collects what comes back until the server closes the connection or `waitMs` passes.
 */
export function rawHttp(
  port: number,
  request: string | ((socket: Socket) => void),
  waitMs = 5_000,
): Promise<RawResponse> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const started = Date.now();
    let raw = "";
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      raw += chunk;
    });
    socket.on("end", () => {
      closedByServer = true;
    });
    socket.on("error", () => {
      closedByServer = true;
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ ...parse(raw), raw, closedByServer, elapsedMs: Date.now() - started });
    });
    socket.on("connect", () => {
      if (typeof request === "string") socket.write(request);
      else request(socket);
    });
  });
}

function parse(raw: string): { status: number; headers: Record<string, string>; body: string } {
  // Skip interim responses (100 Continue).
  const text = raw.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, "");
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return { status: 0, headers: {}, body: "" };
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? Number.NaN);
  const rest = text.slice(end + 4);
  return {
    status: Number(statusLine.split(" ")[1]),
    headers,
    body: Number.isNaN(length) ? rest : rest.slice(0, length),
  };
}

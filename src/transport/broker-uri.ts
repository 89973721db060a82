/**
 * Broker URIs: parsing into amqplib's connection options, and masking for logs and errors.
 */
import { ConfigurationError } from "../util/enoki-error.js";

/** TLS options for `amqps://` brokers. File contents, not paths. */
export interface TlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  /** Verify the broker's certificate. Default true. */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and certificate checks. Default: the URI's host. */
  servername?: string;
}

/** Connection options derived from a URI (amqplib's `Options.Connect`). */
export interface BrokerAddress {
  protocol: "amqp" | "amqps";
  hostname: string;
  port: number;
  username: string;
  password: string;
  vhost: string;
  heartbeat?: number;
  frameMax?: number;
}

/**
 * Parses an AMQP URI. `pyamqp://` (Nameko's default scheme) reads as `amqp://`. An empty path is
 * the default vhost `/`; otherwise the path is the URL-decoded vhost name.
 */
export function parseBrokerUri(uri: string): BrokerAddress {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigurationError(`Invalid broker URI ${maskUri(uri)}`);
  }
  const scheme = url.protocol.replace(/:$/, "");
  const protocol =
    scheme === "amqps" ? "amqps" : scheme === "amqp" || scheme === "pyamqp" ? "amqp" : undefined;
  if (protocol === undefined) {
    throw new ConfigurationError(
      `Unsupported broker URI scheme "${scheme}" in ${maskUri(uri)}: use amqp:// or amqps://`,
    );
  }
  const path = url.pathname;
  const address: BrokerAddress = {
    protocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, "$1") || "localhost",
    port: url.port ? Number(url.port) : protocol === "amqps" ? 5671 : 5672,
    username: url.username ? decodeURIComponent(url.username) : "guest",
    password: url.password ? decodeURIComponent(url.password) : "guest",
    vhost: path === "" || path === "/" ? "/" : decodeURIComponent(path.slice(1)),
  };
  const heartbeat = url.searchParams.get("heartbeat");
  if (heartbeat !== null) address.heartbeat = Number(heartbeat);
  const frameMax = url.searchParams.get("frame_max") ?? url.searchParams.get("frameMax");
  if (frameMax !== null) address.frameMax = Number(frameMax);
  return address;
}

/** Which kind of transport a broker URI asks for. */
export type BrokerKind = "amqp" | "memory";

const AMQP_SCHEMES = new Set(["amqp", "amqps", "pyamqp"]);

/**
 * Checks a broker URI and says which transport it asks for: `amqp://`, `amqps://` and
 * `pyamqp://` (parsed in full), or `memory://`, which takes no host or path (which in-memory
 * broker it reaches is decided by the code that runs it, never by the URI).
 * @throws ConfigurationError naming the URI (password masked) and what is wrong.
 */
export function brokerKind(uri: string): BrokerKind {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === "memory") {
    if (!/^memory:\/\/\/?$/i.test(uri)) {
      throw new ConfigurationError(
        `Invalid broker URI ${maskUri(uri)}: write memory:// with no host or path ` +
          "(runners share an in-memory broker by being given the same MemoryBroker)",
      );
    }
    return "memory";
  }
  if (scheme === undefined || !AMQP_SCHEMES.has(scheme)) {
    throw new ConfigurationError(
      `Unsupported broker URI ${maskUri(uri)}: use amqp://, amqps://, pyamqp:// or memory://`,
    );
  }
  parseBrokerUri(uri);
  return "amqp";
}

/** The URI with its password replaced by `***`, safe to log. Never throws. */
export function maskUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return uri.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
  }
}

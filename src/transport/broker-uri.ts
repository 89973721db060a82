/**
 * Broker URIs: parsing into amqplib's connection options, and masking for logs and errors. An
 * `AMQP_URI` may name several brokers in kombu's syntax, `amqp://a;amqp://b`, so one config file
 * serves Nameko and Enoki.
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
  return parseOne(uri).address;
}

/** Separates the brokers of a list, as kombu's `Connection` does. */
const LIST_SEPARATOR = ";";

/**
 * The URIs of a broker list, `amqp://a;amqp://b;amqp://c` (kombu's syntax: Nameko reads the same
 * `AMQP_URI`), in order; a single URI gives a list of one. Spaces around each URI are ignored.
 * When a part is not a URI the `;` is inside one URI (a password: Enoki always read those), and
 * the whole is that one URI.
 * @throws ConfigurationError when an entry is empty (a stray `;`).
 */
export function splitBrokerUris(uri: string): string[] {
  const uris = uri.split(LIST_SEPARATOR).map((u) => u.trim());
  if (uris.length === 1 || uris.every((u) => u.includes("://"))) return uris;
  if (uris.some((u) => u === "")) {
    throw new ConfigurationError(
      `Invalid broker list ${maskUri(uri)}: an entry is empty (separate URIs with one ";")`,
    );
  }
  return [uri.trim()];
}

/**
 * Parses a broker list (or a single URI) into the addresses to try in turn. A later URI that
 * omits the vhost (no path, or `/`) or the port keeps those of the URI before it, as kombu does
 * when it switches to the next broker, so `amqp://u:p@a:5673/orders;amqp://u:p@b` reaches vhost
 * `orders` on port 5673 of `b` too (the port only within one scheme: an `amqps://` URI after an
 * `amqp://` one gets 5671). Credentials are never carried over: a URI without them logs in as
 * guest, as with kombu.
 * @throws ConfigurationError naming the URI (password masked) and what is wrong.
 */
export function parseBrokerUris(uri: string): BrokerAddress[] {
  const addresses: BrokerAddress[] = [];
  for (const one of splitBrokerUris(uri)) {
    const { address, portGiven, vhostGiven } = parseOne(one);
    const previous = addresses.at(-1);
    if (previous !== undefined) {
      if (!vhostGiven) address.vhost = previous.vhost;
      if (!portGiven && previous.protocol === address.protocol) address.port = previous.port;
    }
    addresses.push(address);
  }
  return addresses;
}

interface ParsedUri {
  address: BrokerAddress;
  portGiven: boolean;
  vhostGiven: boolean;
}

function parseOne(uri: string): ParsedUri {
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
  return { address, portGiven: url.port !== "", vhostGiven: path !== "" && path !== "/" };
}

/** Which kind of transport a broker URI asks for. */
export type BrokerKind = "amqp" | "memory";

const AMQP_SCHEMES = new Set(["amqp", "amqps", "pyamqp"]);

/**
 * Checks a broker URI and says which transport it asks for: `amqp://`, `amqps://` and
 * `pyamqp://` (parsed in full), or `memory://`, which takes no host or path (which in-memory
 * broker it reaches is decided by the code that runs it, never by the URI). A list of brokers
 * (`amqp://a;amqp://b`) asks for AMQP; every URI in it is checked.
 * @throws ConfigurationError naming the URI (password masked) and what is wrong.
 */
export function brokerKind(uri: string): BrokerKind {
  const uris = splitBrokerUris(uri);
  if (uris.length === 1) return oneBrokerKind(uris[0] as string);
  for (const one of uris) {
    if (oneBrokerKind(one) !== "amqp") {
      throw new ConfigurationError(
        `Invalid broker list ${maskUri(uri)}: memory:// is one in-process broker and cannot be part of a list`,
      );
    }
  }
  parseBrokerUris(uri);
  return "amqp";
}

function oneBrokerKind(uri: string): BrokerKind {
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

/**
 * The URI with its password replaced by `***`, safe to log; in a broker list
 * (`amqp://a;amqp://b`), every URI's. Never throws.
 */
export function maskUri(uri: string): string {
  const parts = uri.split(LIST_SEPARATOR);
  // A part that is no URI means the ";" is inside one (a password), not between two.
  if (parts.length > 1 && parts.every((p) => p.includes("://")))
    return parts.map(maskOne).join(LIST_SEPARATOR);
  return maskOne(uri);
}

function maskOne(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return uri.replace(/(\/\/[^:/@]*:)[^@]*@/, "$1***@");
  }
}

/**
 * Listen addresses written as Nameko writes `WEB_SERVER_ADDRESS`: `[host:]port`.
 */
import { ConfigurationError } from "../util/enoki-error.js";

/** Where a server listens. */
export interface ListenAddress {
  /** Interface to bind: an IP address or host name. `0.0.0.0` means every IPv4 interface. */
  readonly host: string;
  /** TCP port; 0 lets the system pick a free one. */
  readonly port: number;
}

// Nameko's pattern is `^((?P<address>[^:]+):)?(?P<port>\d+)$`; a bracketed IPv6 host is added.
const ADDRESS = /^(?:(?<host>\[[0-9A-Fa-f:.]+\]|[^:[\]]+):)?(?<port>\d+)$/;

/** What a listen address must look like, for error messages. */
export const LISTEN_ADDRESS_FORMAT = 'an address "[host:]port" such as "0.0.0.0:8000"';

/** Whether a config value is a listen address {@link parseListenAddress} accepts. */
export function isListenAddress(value: unknown): boolean {
  return matchAddress(value) !== undefined;
}

function matchAddress(value: unknown): { host: string | undefined; port: number } | undefined {
  const text = typeof value === "number" ? String(value) : value;
  const match = typeof text === "string" ? ADDRESS.exec(text.trim()) : null;
  const port = Number(match?.groups?.port);
  if (match === null || !Number.isInteger(port) || port > 65_535) return undefined;
  return { host: match.groups?.host, port };
}

/**
 * Parses `[host:]port` (`8000`, `127.0.0.1:8000`, `[::1]:8000`). Without a host, the server
 * listens on every IPv4 interface (`0.0.0.0`), as Nameko does.
 *
 * @param key - the config key the value came from, for the error message.
 * @throws ConfigurationError when the value is not an address.
 * @example
 * parseListenAddress("127.0.0.1:8000", "WEB_SERVER_ADDRESS"); // { host: "127.0.0.1", port: 8000 }
 */
export function parseListenAddress(value: unknown, key: string): ListenAddress {
  const match = matchAddress(value);
  if (match === undefined) {
    throw new ConfigurationError(
      `Config key ${key} must be ${LISTEN_ADDRESS_FORMAT}, got ${JSON.stringify(value)}`,
    );
  }
  const host = (match.host ?? "0.0.0.0").replace(/^\[(.*)\]$/, "$1");
  return { host, port: match.port };
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatListenAddress(address: ListenAddress): string {
  const host = address.host.includes(":") ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

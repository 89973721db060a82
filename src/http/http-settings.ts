/**
 * The HTTP server's config keys, defaults and validation. Limits and timeouts are safe for a
 * server exposed to the internet; raise them for trusted clients that send large bodies.
 */
import { type Config, DEFAULTS, nonNegativeInt, nonNegativeNumber } from "../core/config.js";
import { type ListenAddress, parseListenAddress } from "../core/listen-address.js";
import { ConfigurationError } from "../util/enoki-error.js";

/** Defaults of the HTTP config keys (times in seconds, as every Enoki timeout in config). */
export const HTTP_DEFAULTS = {
  /** `[host:]port` the HTTP server listens on (Nameko's key and default). */
  WEB_SERVER_ADDRESS: DEFAULTS.WEB_SERVER_ADDRESS,
  /** Largest request body accepted; larger ones get 413. 1 MiB. */
  HTTP_MAX_BODY_BYTES: 1024 * 1024,
  /** Time a client has to send the request line and headers; then 408. */
  HTTP_HEADERS_TIMEOUT: 10,
  /** Time a client has to send the whole request, body included; then 408. */
  HTTP_REQUEST_TIMEOUT: 30,
  /** How long an idle keep-alive connection stays open. */
  HTTP_KEEP_ALIVE_TIMEOUT: 5,
  /** Most request headers accepted; more get 431. */
  HTTP_MAX_HEADERS: 100,
  /** Largest request line plus headers accepted; larger get 431. 16 KiB (Node's default). */
  HTTP_MAX_HEADER_BYTES: 16 * 1024,
} as const;

/** The validated HTTP settings of a config. Times in milliseconds. */
export interface HttpSettings {
  readonly address: ListenAddress;
  readonly maxBodyBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxHeaders: number;
  readonly maxHeaderBytes: number;
}

/** Reads and validates the HTTP settings of a config. */
export function httpSettings(config: Config): HttpSettings {
  const d = HTTP_DEFAULTS;
  const settings: HttpSettings = {
    address: parseListenAddress(config.WEB_SERVER_ADDRESS ?? d.WEB_SERVER_ADDRESS, "WEB_SERVER_ADDRESS"),
    maxBodyBytes: nonNegativeInt(config, "HTTP_MAX_BODY_BYTES", d.HTTP_MAX_BODY_BYTES),
    headersTimeoutMs: positiveSeconds(config, "HTTP_HEADERS_TIMEOUT", d.HTTP_HEADERS_TIMEOUT),
    requestTimeoutMs: positiveSeconds(config, "HTTP_REQUEST_TIMEOUT", d.HTTP_REQUEST_TIMEOUT),
    keepAliveTimeoutMs: positiveSeconds(config, "HTTP_KEEP_ALIVE_TIMEOUT", d.HTTP_KEEP_ALIVE_TIMEOUT),
    maxHeaders: positiveInt(config, "HTTP_MAX_HEADERS", d.HTTP_MAX_HEADERS),
    maxHeaderBytes: positiveInt(config, "HTTP_MAX_HEADER_BYTES", d.HTTP_MAX_HEADER_BYTES),
  };
  // node:http refuses this combination; say so in config terms.
  if (settings.headersTimeoutMs > settings.requestTimeoutMs) {
    throw new ConfigurationError("Config key HTTP_HEADERS_TIMEOUT must not exceed HTTP_REQUEST_TIMEOUT");
  }
  return settings;
}

function positiveSeconds(config: Config, key: string, fallback: number): number {
  const ms = Math.round(nonNegativeNumber(config, key, fallback) * 1000);
  if (ms <= 0) throw new ConfigurationError(`Config key ${key} must be more than 0 seconds`);
  return ms;
}

function positiveInt(config: Config, key: string, fallback: number): number {
  const value = nonNegativeInt(config, key, fallback);
  if (value === 0) throw new ConfigurationError(`Config key ${key} must be at least 1`);
  return value;
}

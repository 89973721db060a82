/**
 * The HTTP server's config keys, defaults and validation. Limits and timeouts are safe for a
 * server exposed to the internet; raise them for trusted clients that send large bodies.
 */
import type { Config } from "../core/config.js";
import { type ConfigKeyName, configValue } from "../core/config-keys.js";
import { type ListenAddress, parseListenAddress } from "../core/listen-address.js";
import { ConfigurationError } from "../util/enoki-error.js";

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
  const read = (name: ConfigKeyName) => configValue(config, name) as number;
  const ms = (name: ConfigKeyName) => Math.round(read(name) * 1000);
  const settings: HttpSettings = {
    address: parseListenAddress(configValue(config, "WEB_SERVER_ADDRESS"), "WEB_SERVER_ADDRESS"),
    maxBodyBytes: read("HTTP_MAX_BODY_BYTES"),
    headersTimeoutMs: ms("HTTP_HEADERS_TIMEOUT"),
    requestTimeoutMs: ms("HTTP_REQUEST_TIMEOUT"),
    keepAliveTimeoutMs: ms("HTTP_KEEP_ALIVE_TIMEOUT"),
    maxHeaders: read("HTTP_MAX_HEADERS"),
    maxHeaderBytes: read("HTTP_MAX_HEADER_BYTES"),
  };
  // node:http refuses this combination; say so in config terms.
  if (settings.headersTimeoutMs > settings.requestTimeoutMs) {
    throw new ConfigurationError("Config key HTTP_HEADERS_TIMEOUT must not exceed HTTP_REQUEST_TIMEOUT");
  }
  return settings;
}

/**
 * TLS settings for `amqps://` brokers from config, in Nameko's form (`AMQP_SSL`, the keyword
 * arguments of Python's `ssl.wrap_socket`) or Node's (file paths for `ca`, `cert`, `key`), so one
 * config file serves Python and TypeScript services:
 *
 * ```yaml
 * AMQP_URI: amqps://user:pass@rabbit:5671/
 * AMQP_SSL:
 *   ca_certs: /etc/ssl/rabbit-ca.pem     # or ca:
 *   certfile: /etc/ssl/client.pem        # or cert:
 *   keyfile: /etc/ssl/client.key         # or key:
 *   cert_reqs: 2                         # 0 (CERT_NONE) turns verification off; or rejectUnauthorized: false
 * ```
 */
import { readFileSync } from "node:fs";
import type { TlsOptions } from "../transport/broker-uri.js";
import { ConfigurationError } from "../util/enoki-error.js";

/** Python's `ssl.CERT_NONE`. */
const CERT_NONE = 0;

/** The TLS options an `AMQP_SSL` config value describes, or `undefined` when it is absent or `false`. */
export function tlsOptions(ssl: unknown): TlsOptions | undefined {
  if (ssl === undefined || ssl === null || ssl === false) return undefined;
  if (ssl === true) return {};
  if (typeof ssl !== "object" || Array.isArray(ssl)) {
    throw new ConfigurationError("Config key AMQP_SSL must be true, false or a mapping of TLS options");
  }
  const options = ssl as Record<string, unknown>;
  const tls: TlsOptions = {};
  const ca = pathOption(options, "ca_certs", "ca");
  const cert = pathOption(options, "certfile", "cert");
  const key = pathOption(options, "keyfile", "key");
  if (ca !== undefined) tls.ca = readPem(ca, "CA certificates");
  if (cert !== undefined) tls.cert = readPem(cert, "client certificate");
  if (key !== undefined) tls.key = readPem(key, "client key");
  if (typeof options.passphrase === "string") tls.passphrase = options.passphrase;
  if (typeof options.servername === "string") tls.servername = options.servername;
  if (options.cert_reqs === CERT_NONE || options.rejectUnauthorized === false) tls.rejectUnauthorized = false;
  return tls;
}

function pathOption(options: Record<string, unknown>, nameko: string, node: string): string | undefined {
  const value = options[nameko] ?? options[node];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new ConfigurationError(
      `Config key AMQP_SSL.${options[nameko] !== undefined ? nameko : node} must be a file path`,
    );
  }
  return value;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigurationError(
      `Cannot read the ${what} for AMQP_SSL from ${path}: ${(err as Error).message}`,
    );
  }
}

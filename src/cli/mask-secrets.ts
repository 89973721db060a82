/**
 * Hiding credentials in config output: `show-config` is often pasted into tickets and chats.
 */
import { maskUri } from "../transport/broker-uri.js";

const URI_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@]*:[^/?#@]*@/i;
const SECRET_KEY = /password|passphrase|secret|token/i;

/** A copy of `value` with URI passwords and secret-looking keys replaced by `***`. */
export function maskSecrets(value: unknown, key = ""): unknown {
  if (typeof value === "string") {
    if (SECRET_KEY.test(key)) return "***";
    return hasUriPassword(value) ? maskUri(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, key));
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, k)]));
  }
  return value;
}

/** Whether a URI, or any URI of a broker list (`amqp://a;amqp://u:p@b`), has a password. */
function hasUriPassword(value: string): boolean {
  return (
    URI_WITH_PASSWORD.test(value) || value.split(";").some((part) => URI_WITH_PASSWORD.test(part.trim()))
  );
}

/**
 * Why a connection attempt failed, in words a user can act on. amqplib reports a broker that
 * closes the handshake after `Connection.Open` (RabbitMQ's answer to a vhost that does not exist
 * or that the user may not use) only as "Expected ConnectionOpenOk; got <ConnectionClose>",
 * without the broker's reason: that reads like a network fault, and it is not one.
 */
import type { BrokerAddress } from "../transport/broker-uri.js";

/** A failed connection attempt: whether the broker answered and refused, and why. */
export interface ConnectFailure {
  /** The broker answered and refused (credentials, vhost); retrying only helps once that is fixed. */
  readonly refused: boolean;
  /** What to tell the user: the likely cause and how to check it, or the error's own message. */
  readonly reason: string;
  /**
   * No TCP connection could be made (refused, no route, unknown host): the broker is down, and a
   * TCP probe tells when it is back. Not so for a connection the broker (or a proxy) accepted
   * and then dropped.
   */
  readonly unreachable: boolean;
}

/** Socket errors of a connection that was never made. */
const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** Classifies an error from `amqplib.connect`. */
export function connectFailure(
  err: unknown,
  address: Pick<BrokerAddress, "vhost" | "username">,
): ConnectFailure {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const unreachable = typeof code === "string" && UNREACHABLE.has(code);
  if (/^Expected ConnectionOpenOk; got <ConnectionClose/.test(message)) {
    return {
      refused: true,
      unreachable: false,
      // amqplib drops the broker's reply text, so the likely causes are named, not the one.
      reason:
        `access to vhost "${address.vhost}" refused: it does not exist, user "${address.username}" ` +
        `may not use it, or it is at its connection limit ` +
        `(rabbitmqctl list_vhosts; rabbitmqctl list_permissions -p "${address.vhost}")`,
    };
  }
  if (/^Handshake terminated by server: 403/.test(message)) {
    return {
      refused: true,
      unreachable: false,
      reason: `login refused for user "${address.username}": ${message}`,
    };
  }
  return { refused: false, unreachable, reason: message };
}

/**
 * Watching brokers that refuse TCP connections while the transport backs off, so one that comes
 * back is connected to at once rather than after the rest of a delay of up to 5 s. A probe is a
 * TCP connect and nothing more (no AMQP handshake, no login): cheap for the broker, and silent in
 * its logs apart from a closed connection.
 */
import { connect } from "node:net";
import type { BrokerAddress } from "../transport/broker-uri.js";

/** How long one probe may take: a blackholed host must not hold up the next. */
const PROBE_TIMEOUT_MS = 1_000;

/** Whether `address` accepts a TCP connection now. Never throws. */
export function acceptsConnections(
  address: Pick<BrokerAddress, "hostname" | "port">,
  signal?: AbortSignal,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.hostname, port: address.port, timeout: PROBE_TIMEOUT_MS });
    const done = (accepted: boolean) => {
      signal?.removeEventListener("abort", abort);
      socket.destroy();
      resolve(accepted);
    };
    const abort = () => done(false);
    signal?.addEventListener("abort", abort, { once: true });
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}

/**
 * Probes every broker marked down in `down` every `intervalMs`, and resolves with the index of
 * the first one that accepts a TCP connection again (marking it up); `undefined` once `signal`
 * aborts. Brokers not marked down are left alone: one that accepts TCP but failed the AMQP
 * handshake (a load balancer with no backend, a refused login) waits for the backoff, instead
 * of being tried again every `intervalMs`.
 */
export async function brokerComingBack(
  addresses: readonly Pick<BrokerAddress, "hostname" | "port">[],
  down: boolean[],
  intervalMs: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  const stopped = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  const watch = async (i: number): Promise<number | undefined> => {
    while (!signal.aborted) {
      await pause(intervalMs, signal);
      if (signal.aborted) break;
      if (await acceptsConnections(addresses[i] as BrokerAddress, signal)) {
        if (signal.aborted) break;
        down[i] = false;
        return i;
      }
    }
    return await stopped;
  };
  const watched = addresses.map((_, i) => i).filter((i) => down[i] === true);
  return await Promise.race([stopped, ...watched.map(watch)]);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * What Enoki reports as it works, on `node:diagnostics_channel`: metrics and tracing subscribe,
 * and with nobody subscribed a report costs one `hasSubscribers` check. Every message is plain
 * data with bounded values (service, method, kind, outcome), never ids or payloads.
 */
import { channel } from "node:diagnostics_channel";

/** A worker finished (any entrypoint). */
export interface WorkerFinished {
  readonly service: string;
  readonly method: string;
  /** The entrypoint kind: `rpc`, `event_handler`, `consume`, `http`, `timer`, ... */
  readonly kind: string;
  readonly durationMs: number;
  /** `expected_error`: an error the entrypoint lists as expected (the caller's doing). */
  readonly outcome: "ok" | "expected_error" | "error";
}

/** An RPC call made by a service (`caller`) or a standalone client (`caller` undefined) ended. */
export interface RpcCallFinished {
  readonly caller: string | undefined;
  readonly service: string;
  readonly method: string;
  readonly durationMs: number;
  readonly outcome: "ok" | "error" | "timeout";
}

/** An event was published; `routed` is false when no queue took it. */
export interface EventDispatched {
  readonly caller: string | undefined;
  readonly source: string;
  readonly eventType: string;
  readonly routed: boolean;
}

/** A consumer received a message the broker had delivered before (`redelivered`). */
export interface Redelivery {
  readonly service: string;
  readonly kind: string;
}

/** The channels, by what they report. */
export const diagnostics = {
  workerFinished: channel("enoki:worker:finished"),
  rpcCallFinished: channel("enoki:rpc:call:finished"),
  eventDispatched: channel("enoki:event:dispatched"),
  redelivery: channel("enoki:delivery:redelivered"),
} as const;

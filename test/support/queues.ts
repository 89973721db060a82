/**
 * What the broker holds, read with rabbitmqctl (the management API is not enabled).
 */
import { rabbitmqctl } from "./broker.js";

/** One row of `rabbitmqctl list_* --formatter json`. */
export type Row = Record<string, unknown>;

/** `rabbitmqctl list_<what> -p <vhost> <columns...> --formatter json`. */
export function listBroker(
  what: "queues" | "bindings" | "exchanges" | "consumers",
  vhost: string,
  columns: string[],
): Row[] {
  const out = rabbitmqctl(`list_${what}`, "-p", vhost, ...columns, "--formatter", "json");
  return JSON.parse(out) as Row[];
}

/** Ready + unacknowledged message count and consumer count of one queue, or undefined if absent. */
export function queueState(
  vhost: string,
  queue: string,
): { messages: number; consumers: number } | undefined {
  const row = listBroker("queues", vhost, ["name", "messages", "consumers"]).find((r) => r.name === queue);
  return row === undefined ? undefined : { messages: Number(row.messages), consumers: Number(row.consumers) };
}

/**
 * Exchanges and queues as users of `@consume` and `publisher` describe them, with kombu's
 * defaults, so a declaration ported from a Nameko service declares the same entity (a mismatch
 * in any flag makes RabbitMQ refuse the declaration with `PRECONDITION_FAILED`).
 */
import type { ExchangeSpec, QueueSpec } from "../transport/transport.js";

/** An exchange: a name, or a name with flags. */
export type ExchangeOptions =
  | string
  | {
      readonly name: string;
      /** Default `"direct"`, as kombu's `Exchange`. */
      readonly type?: ExchangeSpec["type"];
      /** Default true. */
      readonly durable?: boolean;
      /** Default false. */
      readonly autoDelete?: boolean;
      /** Default true; `false` expects the exchange to exist. */
      readonly declare?: boolean;
    };

/** A queue: a name, or a name with flags. */
export type QueueOptions =
  | string
  | {
      readonly name: string;
      /** Default true, as kombu's `Queue`. */
      readonly durable?: boolean;
      /** Default false. */
      readonly exclusive?: boolean;
      /** Default false. */
      readonly autoDelete?: boolean;
      /** Queue arguments such as `x-message-ttl` or `x-dead-letter-exchange`. */
      readonly arguments?: Readonly<Record<string, unknown>>;
    };

/** The exchange to declare, with kombu's defaults: direct, durable, not auto-delete. */
export function exchangeSpec(options: ExchangeOptions): ExchangeSpec {
  const o = typeof options === "string" ? { name: options } : options;
  const spec: ExchangeSpec = {
    name: o.name,
    type: o.type ?? "direct",
    durable: o.durable ?? true,
    autoDelete: o.autoDelete ?? false,
  };
  return o.declare === false ? { ...spec, declare: false } : spec;
}

/** The queue to declare, with kombu's defaults: durable, not exclusive, not auto-delete. */
export function queueSpec(options: QueueOptions): QueueSpec {
  const o = typeof options === "string" ? { name: options } : options;
  const spec: QueueSpec = {
    name: o.name,
    durable: o.durable ?? true,
    exclusive: o.exclusive ?? false,
    autoDelete: o.autoDelete ?? false,
  };
  return o.arguments === undefined ? spec : { ...spec, arguments: o.arguments };
}

/**
 * Nameko's names on the broker: every exchange, queue, routing key, call id and flag that Enoki
 * declares or publishes to. Golden tests on `test/fixtures/nameko-wire` freeze them; header
 * names are in `context-headers.ts`.
 */
import { randomUUID } from "node:crypto";
import type { ExchangeSpec, QueueSpec } from "../transport/transport.js";

/** Default RPC exchange (config `rpc_exchange`). */
export const DEFAULT_RPC_EXCHANGE = "nameko-rpc";
/** Reply queues expire 5 minutes after their last consumer leaves. */
export const REPLY_QUEUE_EXPIRES_MS = 300_000;
/** Owner name of the standalone client's reply queue and call ids (Nameko 2.14). */
export const STANDALONE_PROXY = "standalone_rpc_proxy";
/** AMQP persistent delivery mode. */
export const PERSISTENT = 2;
/** AMQP transient delivery mode (Enoki's `RPC_PERSISTENT: false`). */
export const TRANSIENT = 1;

/** The RPC exchange: topic, durable. */
export function rpcExchange(name: string = DEFAULT_RPC_EXCHANGE): ExchangeSpec {
  return { name, type: "topic", durable: true, autoDelete: false };
}

/** The queue all instances of a service consume: `rpc-<service>`. */
export function rpcQueue(service: string): QueueSpec {
  return { name: `rpc-${service}`, durable: true, exclusive: false, autoDelete: false };
}

/** Binding key of a service's RPC queue: `<service>.*`. */
export function rpcBindingKey(service: string): string {
  return `${service}.*`;
}

/** Routing key of a request: `<service>.<method>`. */
export function rpcRoutingKey(service: string, method: string): string {
  return `${service}.${method}`;
}

/**
 * A caller's reply queue `rpc.reply-<owner>-<uuid>`, bound on the RPC exchange with `<uuid>`,
 * which is also the `reply_to` of every request. Durable, not exclusive, expiring.
 */
export function replyQueue(owner: string, uuid: string): QueueSpec {
  return {
    name: `rpc.reply-${owner}-${uuid}`,
    durable: true,
    exclusive: false,
    autoDelete: false,
    arguments: { "x-expires": REPLY_QUEUE_EXPIRES_MS },
  };
}

/** `<service>.<method>.<uuid>`. */
export function callId(service: string, method: string, uuid: string): string {
  return `${service}.${method}.${uuid}`;
}

/** The call id a Nameko 2.14 standalone proxy seeds its calls with. */
export function standaloneCallId(uuid: string): string {
  return `${STANDALONE_PROXY}.call.${uuid}`;
}

/**
 * A source service's event exchange: `<service>.events`, topic, durable. `autoDelete` follows
 * config `AUTO_DELETE_EVENT_EXCHANGES`; `declare: false` (config `DECLARE_EVENT_EXCHANGES: false`)
 * expects it to exist already.
 */
export function eventExchange(source: string, autoDelete = false, declare = true): ExchangeSpec {
  const spec: ExchangeSpec = { name: `${source}.events`, type: "topic", durable: true, autoDelete };
  return declare ? spec : { ...spec, declare: false };
}

/** How an event handler shares events (Nameko's `handler_type`). */
export type HandlerType = "service_pool" | "singleton" | "broadcast";

/** Name of an event handler's queue. */
export function eventQueueName(
  handlerType: HandlerType,
  source: string,
  eventType: string,
  service: string,
  method: string,
  broadcastId?: string,
): string {
  if (handlerType === "singleton") return `evt-${source}-${eventType}`;
  const pool = `evt-${source}-${eventType}--${service}.${method}`;
  return handlerType === "broadcast" ? `${pool}-${broadcastId}` : pool;
}

/** Where an event handler's queue comes from: its handler type, names and delivery options. */
export interface EventQueueOptions {
  readonly handlerType: HandlerType;
  readonly source: string;
  readonly eventType: string;
  readonly service: string;
  readonly method: string;
  readonly reliableDelivery: boolean;
  /** Required for broadcast handlers. */
  readonly broadcastId?: string | undefined;
}

/**
 * An event handler's queue with Nameko's flags: durable; auto-delete unless delivery is
 * reliable; exclusive for broadcast handlers without reliable delivery (an exclusive queue is
 * deleted with its connection whatever auto-delete says, so reliable broadcast queues are not).
 * No arguments. RabbitMQ reports exclusive queues as not durable.
 */
export function eventQueue(options: EventQueueOptions): QueueSpec {
  const { handlerType, source, eventType, service, method, reliableDelivery, broadcastId } = options;
  return {
    name: eventQueueName(handlerType, source, eventType, service, method, broadcastId),
    durable: true,
    exclusive: handlerType === "broadcast" && !reliableDelivery,
    autoDelete: !reliableDelivery,
  };
}

/** Nameko's default broadcast identifier: `uuid4().hex`, 32 hex characters without dashes. */
export function defaultBroadcastId(): string {
  return randomUUID().replaceAll("-", "");
}

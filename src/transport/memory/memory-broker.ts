/**
 * An AMQP broker in memory: exchanges, queues and bindings with RabbitMQ's rules, shared by any
 * number of `MemoryTransport` connections. Several runners (or a runner and standalone clients)
 * given the same `MemoryBroker` talk to each other as processes on one RabbitMQ vhost would.
 *
 * There is no process-global broker: whoever creates one passes it around.
 */
import { randomBytes } from "node:crypto";
import type { ExchangeSpec, MessageProperties, OutgoingMessage, QueueSpec } from "../transport.js";
import { channelClosed, operationFailed } from "./broker-error.js";
import { MemoryExchange } from "./exchange.js";
import { MemoryQueue, type QueueHost, type StoredMessage } from "./queue.js";
import { wireHeaders } from "./wire-headers.js";

/** A snapshot of one queue, for tests and diagnostics. */
export interface QueueInfo {
  readonly name: string;
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  /** `x-queue-type`: `"classic"` (also when declared without it) or `"quorum"`. */
  readonly type: string;
  /** Messages waiting for a consumer. */
  readonly messages: number;
  /** Messages delivered and not yet settled. */
  readonly unacked: number;
  readonly consumers: number;
}

// Queue arguments RabbitMQ compares on re-declaration; others are accepted and ignored.
const EQUIVALENT_ARGS = [
  "x-expires",
  "x-message-ttl",
  "x-dead-letter-exchange",
  "x-dead-letter-routing-key",
  "x-max-length",
  "x-max-length-bytes",
  "x-max-priority",
  "x-overflow",
  "x-queue-mode",
  "x-queue-type",
  "x-queue-version",
  "x-single-active-consumer",
];

const VHOST = "/";

/**
 * An in-memory message broker with RabbitMQ's semantics: topic/direct/fanout exchanges (and the
 * default exchange), durable, exclusive, auto-delete and expiring queues, round-robin delivery
 * with per-consumer prefetch, and requeueing in original order.
 *
 * Per-message TTL (`expiration`) is honoured as RabbitMQ honours it: a message whose time has run
 * out is dropped when it reaches the head of its queue (RabbitMQ also does so on a timer while
 * nobody consumes; here it waits for the next delivery round).
 *
 * A queue with `x-dead-letter-exchange` republishes its expired messages there (routing key:
 * `x-dead-letter-routing-key`, else the message's own), with an `x-death` header as RabbitMQ's;
 * headers exchanges match their bindings' arguments.
 *
 * Not simulated: persistence and restarts (`durable` only matters for re-declaration checks),
 * the `x-message-ttl` and `x-max-length` arguments (accepted, compared on re-declaration,
 * otherwise ignored), dead-lettering of rejected messages, and priorities. `x-expires` is
 * honoured with a timer.
 *
 * @example
 * const broker = new MemoryBroker();
 * const a = await runServices([Orders], { config: { AMQP_URI: "memory://" }, memoryBroker: broker });
 * const b = await runServices([Billing], { config: { AMQP_URI: "memory://" }, memoryBroker: broker });
 */
export class MemoryBroker {
  readonly #exchanges = new Map<string, MemoryExchange>();
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #boundTo = new Map<MemoryQueue, Set<MemoryExchange>>();
  readonly #pending = new Set<MemoryQueue>();
  readonly #host: QueueHost = {
    schedule: (queue) => this.#schedule(queue),
    remove: (queue) => this.#remove(queue),
    deadLetter: (queue, message) => this.#deadLetter(queue, message),
  };
  #scheduled = false;
  #seq = 0;

  constructor() {
    for (const [name, type] of [
      ["amq.direct", "direct"],
      ["amq.topic", "topic"],
      ["amq.fanout", "fanout"],
      ["amq.headers", "headers"],
      ["amq.match", "headers"],
    ] as const) {
      this.#exchanges.set(name, new MemoryExchange({ name, type, durable: true, autoDelete: false }));
    }
  }

  /** The queues that exist now. */
  get queueNames(): string[] {
    return [...this.#queues.keys()];
  }

  /** The exchanges that exist now (including the predeclared `amq.*` ones). */
  get exchangeNames(): string[] {
    return [...this.#exchanges.keys()];
  }

  /** A snapshot of a queue, or `undefined` if there is no such queue. */
  queue(name: string): QueueInfo | undefined {
    const queue = this.#queues.get(name);
    if (queue === undefined) return undefined;
    const { durable, exclusive, autoDelete } = queue.spec;
    return {
      name,
      durable,
      exclusive,
      autoDelete,
      type: String(queue.spec.arguments?.["x-queue-type"] ?? "classic"),
      messages: queue.messageCount,
      unacked: queue.unackedCount,
      consumers: queue.consumerCount,
    };
  }

  /**
   * Declares an exchange, or checks an existing one has the same type and flags.
   * @internal used by MemoryTransport
   */
  declareExchange(spec: ExchangeSpec): void {
    if (spec.name === "")
      throw operationFailed("ExchangeDeclare", 403, "operation not permitted on the default exchange");
    const existing = this.#exchanges.get(spec.name);
    if (existing === undefined) {
      if (spec.name.startsWith("amq.")) {
        throw operationFailed(
          "ExchangeDeclare",
          403,
          `exchange name '${spec.name}' contains reserved prefix 'amq.*'`,
        );
      }
      this.#exchanges.set(spec.name, new MemoryExchange({ ...spec }));
      return;
    }
    const current = existing.spec;
    const subject = `exchange '${spec.name}'`;
    checkSame("ExchangeDeclare", subject, "type", spec.type, current.type);
    checkSame("ExchangeDeclare", subject, "durable", spec.durable, current.durable);
    checkSame("ExchangeDeclare", subject, "auto_delete", spec.autoDelete, current.autoDelete);
  }

  /**
   * Declares a queue for connection `owner`, or checks an existing one is equivalent and that
   * `owner` may use it. An empty name gets a server-generated one, as in AMQP.
   * @internal used by MemoryTransport
   */
  declareQueue(spec: QueueSpec, owner: object): MemoryQueue {
    const name = spec.name === "" ? `amq.gen-${randomBytes(16).toString("base64url")}` : spec.name;
    if (spec.name.startsWith("amq.")) {
      throw operationFailed("QueueDeclare", 403, `queue name '${name}' contains reserved prefix 'amq.*'`);
    }
    // RabbitMQ makes exclusive queues transient whatever the declaration says.
    const wanted: QueueSpec = { ...spec, name, durable: spec.durable && !spec.exclusive };
    const existing = this.#queues.get(name);
    if (existing === undefined) {
      checkQuorumProperties(wanted);
      const queue = new MemoryQueue(
        wanted,
        spec.exclusive ? owner : undefined,
        expiresMs(wanted),
        this.#host,
      );
      this.#queues.set(name, queue);
      return queue;
    }
    if (
      existing.spec.exclusive !== wanted.exclusive ||
      (existing.owner !== undefined && existing.owner !== owner)
    ) {
      throw operationFailed(
        "QueueDeclare",
        405,
        `cannot obtain exclusive access to locked queue '${name}' in vhost '${VHOST}'. It could be ` +
          "originally declared on another connection or the exclusive property value does not match " +
          "that of the original declaration.",
      );
    }
    checkQueueEquivalent(existing.spec, wanted);
    existing.touch();
    return existing;
  }

  /**
   * Binds a queue to an exchange.
   * @internal used by MemoryTransport
   */
  bind(
    queue: MemoryQueue,
    exchangeName: string,
    routingKey: string,
    args?: Readonly<Record<string, unknown>>,
  ): void {
    const exchange = this.#exchanges.get(exchangeName);
    if (exchange === undefined)
      throw operationFailed("QueueBind", 404, `no exchange '${exchangeName}' in vhost '${VHOST}'`);
    if (queue.deleted)
      throw operationFailed("QueueBind", 404, `no queue '${queue.name}' in vhost '${VHOST}'`);
    exchange.bind(queue, routingKey, args);
    let exchanges = this.#boundTo.get(queue);
    if (exchanges === undefined) {
      exchanges = new Set();
      this.#boundTo.set(queue, exchanges);
    }
    exchanges.add(exchange);
  }

  /**
   * Routes a message to every matching queue (each gets its own copy). Returns whether any queue
   * took it. Throws for an exchange that does not exist, or a header AMQP cannot carry.
   * @internal used by MemoryTransport
   */
  publish(message: OutgoingMessage): boolean {
    const properties = storedProperties(message.properties);
    return this.#enqueue(message.exchange, message.routingKey, Buffer.from(message.body), properties);
  }

  /**
   * Takes one message from a queue (`basic.get`): `undefined` for an empty queue; throws
   * NOT_FOUND for a missing one.
   * @internal used by MemoryTransport
   */
  get(name: string): { queue: MemoryQueue; message: StoredMessage } | undefined {
    const queue = this.#existing(name, "BasicGet");
    const message = queue.get();
    return message === undefined ? undefined : { queue, message };
  }

  /**
   * Empties a queue; returns how many messages it held. Throws NOT_FOUND for a missing one.
   * @internal used by MemoryTransport
   */
  purge(name: string): number {
    return this.#existing(name, "QueuePurge").purge();
  }

  #existing(name: string, operation: string): MemoryQueue {
    const queue = this.#queues.get(name);
    if (queue === undefined) throw operationFailed(operation, 404, `no queue '${name}' in vhost '${VHOST}'`);
    return queue;
  }

  #enqueue(
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: StoredMessage["properties"],
  ): boolean {
    const queues = this.#route(exchange, routingKey, properties.headers);
    if (queues.size === 0) return false;
    const seq = ++this.#seq;
    const expiresAt = expiryOf(properties.expiration);
    for (const queue of queues) {
      queue.enqueue({
        seq,
        exchange,
        routingKey,
        body,
        properties,
        expiresAt,
        redelivered: false,
      });
    }
    return true;
  }

  /**
   * A connection has gone: its exclusive queues go with it.
   * @internal used by MemoryTransport
   */
  disconnect(owner: object): void {
    for (const queue of [...this.#queues.values()]) if (queue.owner === owner) this.#remove(queue);
  }

  // RabbitMQ's dead-lettering of an expired message: to the queue's dead-letter exchange, with
  // the reason recorded in `x-death` (one entry per queue and reason, counted) and no expiration.
  #deadLetter(queue: MemoryQueue, message: StoredMessage): void {
    const args = queue.spec.arguments ?? {};
    const exchange = String(args["x-dead-letter-exchange"]);
    const routingKey = (args["x-dead-letter-routing-key"] as string | undefined) ?? message.routingKey;
    const { expiration, headers, ...rest } = message.properties;
    const deaths = Array.isArray(headers["x-death"]) ? (headers["x-death"] as Record<string, unknown>[]) : [];
    const same = deaths.find((d) => d.queue === queue.name && d.reason === "expired");
    const entry = {
      count: Number(same?.count ?? 0) + 1,
      reason: "expired",
      queue: queue.name,
      time: new Date(),
      exchange: message.exchange,
      "routing-keys": [message.routingKey],
      ...(expiration === undefined ? {} : { "original-expiration": expiration }),
    };
    const others = deaths.filter((d) => d !== same);
    const properties = {
      ...rest,
      expiration: undefined,
      headers: wireHeaders({ ...headers, "x-death": [entry, ...others] }),
    };
    try {
      this.#enqueue(exchange, routingKey, message.body, properties);
    } catch {
      // RabbitMQ drops a message whose dead-letter exchange does not exist.
    }
  }

  #route(exchangeName: string, routingKey: string, headers: Record<string, unknown>): Set<MemoryQueue> {
    const queues = new Set<MemoryQueue>();
    if (exchangeName === "") {
      const queue = this.#queues.get(routingKey);
      if (queue !== undefined) queues.add(queue);
      return queues;
    }
    const exchange = this.#exchanges.get(exchangeName);
    if (exchange === undefined) throw channelClosed(404, `no exchange '${exchangeName}' in vhost '${VHOST}'`);
    exchange.route(routingKey, headers, queues);
    return queues;
  }

  #remove(queue: MemoryQueue): void {
    if (this.#queues.get(queue.name) !== queue) return;
    this.#queues.delete(queue.name);
    this.#pending.delete(queue);
    queue.destroy();
    for (const exchange of this.#boundTo.get(queue) ?? []) {
      const bindingsLeft = exchange.unbindQueue(queue);
      // An auto-delete exchange goes with its last binding.
      if (!bindingsLeft && exchange.spec.autoDelete) this.#exchanges.delete(exchange.spec.name);
    }
    this.#boundTo.delete(queue);
  }

  // Deliveries happen in a later turn of the event loop, never inside the call that caused them,
  // and all queues with work share one setImmediate.
  #schedule(queue: MemoryQueue): void {
    this.#pending.add(queue);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#scheduled = false;
    const queues = [...this.#pending];
    this.#pending.clear();
    for (const queue of queues) if (!queue.deleted) queue.dispatch();
  }
}

function storedProperties(properties: MessageProperties): StoredMessage["properties"] {
  return {
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    deliveryMode: properties.deliveryMode,
    priority: properties.priority,
    correlationId: properties.correlationId,
    replyTo: properties.replyTo,
    expiration: properties.expiration,
    messageId: properties.messageId,
    timestamp: properties.timestamp,
    type: properties.type,
    userId: properties.userId,
    appId: properties.appId,
    headers: wireHeaders(properties.headers ?? {}),
  };
}

/** When a message with this `expiration` (milliseconds, as a string) runs out; undefined: never. */
function expiryOf(expiration: string | undefined): number | undefined {
  return expiration !== undefined && /^[0-9]+$/.test(expiration)
    ? Date.now() + Number(expiration)
    : undefined;
}

function expiresMs(spec: QueueSpec): number | undefined {
  const value = spec.arguments?.["x-expires"];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw operationFailed(
      "QueueDeclare",
      406,
      `invalid arg 'x-expires' for queue '${spec.name}' in vhost '${VHOST}': ${JSON.stringify(value)} is not a positive integer`,
    );
  }
  return value;
}

// RabbitMQ refuses a quorum queue that could not be replicated: exclusive, auto-delete, transient.
function checkQuorumProperties(spec: QueueSpec): void {
  if (spec.arguments?.["x-queue-type"] !== "quorum") return;
  const invalid = spec.exclusive
    ? "exclusive-owner"
    : spec.autoDelete
      ? "auto-delete"
      : !spec.durable
        ? "non-durable"
        : undefined;
  if (invalid === undefined) return;
  throw operationFailed(
    "QueueDeclare",
    406,
    `invalid property '${invalid}' for queue '${spec.name}' in vhost '${VHOST}'`,
  );
}

function checkQueueEquivalent(current: QueueSpec, wanted: QueueSpec): void {
  const subject = `queue '${current.name}'`;
  checkSame("QueueDeclare", subject, "durable", wanted.durable, current.durable);
  checkSame("QueueDeclare", subject, "auto_delete", wanted.autoDelete, current.autoDelete);
  for (const arg of EQUIVALENT_ARGS) {
    const received = wanted.arguments?.[arg];
    const had = current.arguments?.[arg];
    if (JSON.stringify(received) === JSON.stringify(had)) continue;
    // A queue declared without a type is classic (the vhost's default), as if declared so.
    if (arg === "x-queue-type" && (received ?? "classic") === (had ?? "classic")) continue;
    throw operationFailed(
      "QueueDeclare",
      406,
      `inequivalent arg '${arg}' for ${subject} in vhost '${VHOST}': received ${argText(received)} but current is ${argText(had)}`,
    );
  }
}

function checkSame(
  operation: string,
  subject: string,
  arg: string,
  received: unknown,
  current: unknown,
): void {
  if (received === current) return;
  throw operationFailed(
    operation,
    406,
    `inequivalent arg '${arg}' for ${subject} in vhost '${VHOST}': received '${received}' but current is '${current}'`,
  );
}

function argText(value: unknown): string {
  return value === undefined ? "none" : `the value '${String(value)}'`;
}

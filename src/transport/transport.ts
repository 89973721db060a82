/**
 * The transport port: what Enoki needs from a message broker, in AMQP's vocabulary but with none
 * of a client library's types. Implemented on RabbitMQ (`amqp/amqp-transport.ts`) and in memory
 * (`transport/memory/`).
 */

/** An exchange declaration. */
export interface ExchangeSpec {
  readonly name: string;
  readonly type: "topic" | "direct" | "fanout" | "headers";
  readonly durable: boolean;
  readonly autoDelete: boolean;
  /** Whether consumers and publishers declare it (default true); `false` expects it to exist. */
  readonly declare?: boolean;
}

/** A queue declaration. */
export interface QueueSpec {
  readonly name: string;
  readonly durable: boolean;
  readonly exclusive: boolean;
  readonly autoDelete: boolean;
  readonly arguments?: Readonly<Record<string, unknown>>;
}

/** A queue binding. */
export interface BindingSpec {
  readonly exchange: ExchangeSpec;
  readonly routingKey: string;
  /**
   * Binding arguments. On a headers exchange, the headers to match and `x-match` (`"all"`, the
   * default, or `"any"`); routing keys are then ignored.
   */
  readonly arguments?: Readonly<Record<string, unknown>>;
}

/** AMQP basic properties Enoki reads and writes. Headers are always an object on delivery. */
export interface MessageProperties {
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  deliveryMode?: number | undefined;
  priority?: number | undefined;
  correlationId?: string | undefined;
  replyTo?: string | undefined;
  expiration?: string | undefined;
  messageId?: string | undefined;
  timestamp?: number | undefined;
  type?: string | undefined;
  userId?: string | undefined;
  appId?: string | undefined;
  headers?: Record<string, unknown> | undefined;
}

/** A message to publish. */
export interface OutgoingMessage {
  readonly exchange: string;
  readonly routingKey: string;
  readonly body: Buffer;
  readonly properties: MessageProperties;
  /**
   * Return the message as undeliverable if no queue is bound for it: a confirmed publish then
   * rejects with `UndeliverableMessage`; an unconfirmed one is reported to `onReturn` listeners.
   */
  readonly mandatory?: boolean;
  /**
   * Whether to wait for the broker's publisher confirm (default `true`). With `false` the publish
   * resolves once the message is written to the connection: a transient message gains nothing
   * from a confirm (the broker does not keep it anyway), and the confirm costs the broker more
   * than anything else a call asks of it. What is given up: a message the broker drops, or that
   * is lost with the connection after it was written, goes unnoticed, and a returned mandatory
   * message cannot reject a publish that has already resolved (see {@link Transport.onReturn}).
   */
  readonly confirm?: boolean;
}

/** A mandatory message published without a confirm that the broker returned: no queue took it. */
export interface ReturnedMessage {
  readonly exchange: string;
  readonly routingKey: string;
  readonly properties: MessageProperties;
}

/** A message delivered to a consumer. Settle it exactly once with `ack` or `reject`. */
export interface Delivery {
  readonly body: Buffer;
  readonly exchange: string;
  readonly routingKey: string;
  readonly redelivered: boolean;
  readonly properties: MessageProperties & { headers: Record<string, unknown> };
  /** Set when the header table could not be decoded; such a message should be rejected. */
  readonly headerError?: string | undefined;
  /** Acknowledge: the broker forgets the message. A no-op if the channel has gone. */
  ack(): void;
  /** Reject: back to the queue when `requeue`, otherwise dropped or dead-lettered. */
  reject(requeue: boolean): void;
}

/** What to consume, and the topology it needs (declared again after every reconnect). */
export interface ConsumerSpec {
  readonly queue: QueueSpec;
  readonly bindings: readonly BindingSpec[];
  /** Unacknowledged messages the broker may send ahead; 0 means no limit. */
  readonly prefetch: number;
  /**
   * Let the broker forget each message as it sends it (AMQP's `no_ack`); `ack` and `reject` are
   * then no-ops, and `prefetch` does not apply. A message is lost if the connection drops before
   * the consumer handles it: only for messages that would be lost with the consumer anyway.
   */
  readonly noAck?: boolean;
  onMessage(delivery: Delivery): void;
  /** Called if consuming cannot resume after a reconnect (for example, the topology conflicts). */
  onFailure?(error: Error): void;
  /**
   * Called when, on resuming after a reconnect (or a cancel by the broker), the queue was gone
   * (deleted, or expired while disconnected) and had to be declared anew: whatever it held is lost.
   */
  onQueueLost?(): void;
}

/** A running consumer. */
export interface Consumer {
  /** Stop receiving new messages; deliveries in hand can still be settled. */
  cancel(): Promise<void>;
  /** Release the consumer; unsettled deliveries go back to the queue. */
  close(): Promise<void>;
}

/** What the broker says of an existing queue. */
export interface QueueStatus {
  /** Messages ready for delivery (not those delivered and unacknowledged). */
  readonly messages: number;
  readonly consumers: number;
}

/** The connection state, for health checks and logs. */
export type TransportStatus = "connecting" | "connected" | "disconnected" | "closed";

/** A message broker, as Enoki uses it. */
export interface Transport {
  /** Where it connects, with any password masked. */
  readonly description: string;
  readonly status: TransportStatus;
  /** Resolves once connected for the first time. */
  ready(): Promise<void>;
  /** Declares an exchange (a no-op for `declare: false`); fails if it exists with other flags. */
  declareExchange(spec: ExchangeSpec): Promise<void>;
  /**
   * Declares a queue, and its bindings with their exchanges, without consuming from it; fails if
   * it exists with other flags or arguments.
   */
  declareQueue(queue: QueueSpec, bindings?: readonly BindingSpec[]): Promise<void>;
  /** The status of a queue, or `undefined` when there is no such queue (a passive declare). */
  inspectQueue(name: string): Promise<QueueStatus | undefined>;
  /**
   * Takes the next message of a queue (AMQP's `basic.get`), or `undefined` when it has none. The
   * delivery must be settled like a consumer's; unsettled, it goes back to the queue on close.
   */
  getMessage(queue: string): Promise<Delivery | undefined>;
  /** Removes every ready message of a queue; resolves with how many. */
  purgeQueue(name: string): Promise<number>;
  /** Declares the spec's topology and starts consuming. */
  consume(spec: ConsumerSpec): Promise<Consumer>;
  /**
   * Publishes with publisher confirms: resolves once the broker has taken responsibility for the
   * message, rejects with `UndeliverableMessage` for a returned mandatory message. With
   * `confirm: false`, resolves once the message is written (see {@link OutgoingMessage.confirm}).
   * Either way, a message that cannot be written (no connection in time) rejects.
   */
  publish(message: OutgoingMessage): Promise<void>;
  /**
   * Calls `listener` with every mandatory message published with `confirm: false` that the
   * broker returned; returns a function that removes it. Confirmed publishes are not reported
   * here: their own promise rejects. Optional so that transports written before unconfirmed
   * publishing still type-check: one without it must confirm every publish (ignore `confirm`),
   * or the returns of unconfirmed messages are lost.
   */
  onReturn?(listener: (message: ReturnedMessage) => void): () => void;
  /** Calls `listener` on every status change; returns a function that removes it. */
  onStatus(listener: (status: TransportStatus) => void): () => void;
  /** Closes consumers and the connection; unsettled deliveries go back to their queues. */
  close(): Promise<void>;
}

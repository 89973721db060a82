/**
 * The base of every entrypoint that consumes one queue and runs a worker per message
 * (`@consume`, `@eventHandler`): Nameko's `messaging.Consumer`, with a consumer (and channel) of
 * its own, as in Nameko 3.
 *
 * A message is acknowledged after its worker finishes. When the handler fails, the message is
 * acknowledged anyway (and the error logged), or, with `requeueOnError`, held for a growing delay
 * (see {@link RequeueBackoff}) and then rejected with requeue. A message that cannot be decoded
 * is rejected without requeue and logged with the queue and the reason; it never reaches a
 * worker and never comes back.
 */

import type { Entrypoint, EntrypointKind, WorkerOutcome } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import { canBeQuorum, type QueueType, withQueueType } from "../transport/queue-type.js";
import type { BindingSpec, Consumer, Delivery, QueueSpec } from "../transport/transport.js";
import { diagnostics, type Redelivery } from "../util/diagnostics.js";
import { ConfigurationError } from "../util/enoki-error.js";
import type { Logger } from "../util/logger.js";
import { contextFromHeaders } from "../wire/context-headers.js";
import { decodeBody } from "../wire/decode-body.js";
import { RequeueBackoff } from "./requeue-backoff.js";

/** What a message entrypoint consumes. */
export interface MessageTopology {
  readonly queue: QueueSpec;
  readonly bindings: readonly BindingSpec[];
}

/** Consumes one queue; each message runs the entrypoint's method with the decoded body. */
export abstract class MessageEntrypoint implements Entrypoint {
  abstract readonly kind: EntrypointKind;
  abstract readonly name: string;
  readonly method: string;
  readonly expected: readonly Function[] = [];
  protected readonly container: ExtensionHost;
  readonly #requeueOnError: boolean;
  readonly #queueType: QueueType | undefined;
  readonly #backoff = new RequeueBackoff();
  readonly #maxBodyBytes: number;
  readonly #unsettled = new Set<Delivery>();
  readonly #held = new Map<Delivery, NodeJS.Timeout>();
  #settledAll: (() => void) | undefined;
  #topology: MessageTopology | undefined;
  #consumer: Consumer | undefined;
  #logger: Logger;
  #stopping = false;

  /** @param queueType - the entrypoint's own queue type; default: config `QUEUE_TYPE`. */
  constructor(container: ExtensionHost, method: string, requeueOnError: boolean, queueType?: QueueType) {
    this.container = container;
    this.method = method;
    this.#requeueOnError = requeueOnError;
    this.#queueType = queueType;
    this.#logger = container.logger;
    this.#maxBodyBytes = container.settings.maxMessageBytes;
  }

  /** The queue and bindings to consume. Called once, at setup; may throw a configuration error. */
  protected abstract topology(): MessageTopology;

  /** The queue consumed (after setup). */
  get queue(): QueueSpec | undefined {
    return this.#topology?.queue;
  }

  async setup(): Promise<void> {
    this.#topology = this.#typedTopology();
    this.#logger = this.container.logger.child({ queue: this.#topology.queue.name });
  }

  async start(): Promise<void> {
    const topology = this.#topology ?? this.#typedTopology();
    this.#consumer = await this.container.transport.consume({
      queue: topology.queue,
      bindings: topology.bindings,
      prefetch: this.container.settings.prefetch,
      onMessage: (delivery) => this.#onMessage(delivery),
      onFailure: (err) => this.container.crash(err),
    });
  }

  /**
   * Stops taking messages, requeues the ones held after a failure, waits for running workers to
   * settle theirs, then closes the consumer.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer?.cancel();
    for (const [delivery, timer] of this.#held) {
      clearTimeout(timer);
      this.#settle(delivery, () => delivery.reject(true));
    }
    if (this.#unsettled.size > 0) await new Promise<void>((resolve) => (this.#settledAll = resolve));
    await this.#consumer?.close();
  }

  /** Closes the consumer at once: every unsettled message goes back to the queue. */
  async kill(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#held.values()) clearTimeout(timer);
    this.#held.clear();
    this.#unsettled.clear();
    this.#settledAll?.();
    await this.#consumer?.close();
  }

  // Config QUEUE_TYPE covers the queues that can be quorum; the others (exclusive, auto-delete)
  // stay classic. An entrypoint that asks for quorum itself on such a queue is a mistake.
  #typedTopology(): MessageTopology {
    const topology = this.topology();
    const type = this.#queueType ?? this.container.settings.queueType;
    if (type === "classic") return topology;
    if (canBeQuorum(topology.queue)) return { ...topology, queue: withQueueType(topology.queue, type) };
    if (this.#queueType === undefined) return topology;
    throw new ConfigurationError(
      `${this.name}: queue '${topology.queue.name}' cannot be a quorum queue: a quorum queue is ` +
        "durable, not exclusive and not auto-delete (for an event handler: reliableDelivery true)",
    );
  }

  #onMessage(delivery: Delivery): void {
    if (delivery.redelivered && diagnostics.redelivery.hasSubscribers) {
      const redelivery: Redelivery = { service: this.container.serviceName, kind: this.kind };
      diagnostics.redelivery.publish(redelivery);
    }
    let body: unknown;
    try {
      body = decodeBody(delivery, this.#maxBodyBytes);
    } catch (err) {
      const queue = this.#topology?.queue.name;
      const reason = (err as Error).message;
      this.#logger.error(
        { routingKey: delivery.routingKey, reason },
        `rejected a message from queue ${queue} without requeue: ${reason}`,
      );
      delivery.reject(false);
      return;
    }
    this.#unsettled.add(delivery);
    const data = contextFromHeaders(delivery.properties.headers);
    void this.container
      .spawnWorker(this, [body], data, (_ctx, outcome) => this.#onOutcome(delivery, outcome))
      .then((run) => {
        // The container began stopping before a worker slot freed up: another instance runs it.
        if (run.status === "not-started") this.#settle(delivery, () => delivery.reject(true));
      });
  }

  #onOutcome(delivery: Delivery, outcome: WorkerOutcome): void {
    if (outcome.ok) {
      this.#backoff.succeeded(delivery);
      this.#settle(delivery, () => delivery.ack());
    } else if (!this.#requeueOnError) {
      this.#logger.warn(
        { routingKey: delivery.routingKey },
        `${this.name} failed; the message is acknowledged and dropped (requeueOnError is off)`,
      );
      this.#settle(delivery, () => delivery.ack());
    } else if (this.#stopping) {
      this.#settle(delivery, () => delivery.reject(true));
    } else {
      this.#hold(delivery, this.#backoff.failed(delivery));
    }
  }

  // The worker slot is free again; the message stays unacknowledged until the delay is over.
  #hold(delivery: Delivery, delayMs: number): void {
    this.#logger.warn(
      { routingKey: delivery.routingKey, delayMs },
      `${this.name} failed; the message goes back to the queue in ${delayMs} ms`,
    );
    const timer = setTimeout(() => {
      this.#held.delete(delivery);
      this.#settle(delivery, () => delivery.reject(true));
    }, delayMs);
    this.#held.set(delivery, timer);
  }

  #settle(delivery: Delivery, settle: () => void): void {
    if (!this.#unsettled.delete(delivery)) return;
    settle();
    if (this.#unsettled.size === 0) {
      this.#settledAll?.();
      this.#settledAll = undefined;
    }
  }
}

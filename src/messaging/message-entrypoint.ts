/**
 * The base of every entrypoint that consumes one queue and runs a worker per message
 * (`@consume`, `@eventHandler`): Nameko's `messaging.Consumer`, with a consumer (and channel) of
 * its own, as in Nameko 3.
 *
 * A message is acknowledged after its worker finishes. When the handler fails:
 * - if it retries (`requeueOnError`, a `retry` policy that matches the error, or a `Backoff`
 *   thrown) and has runs left, the message is published to a delay queue of the broker
 *   (nameko-amqp-retry's `backoff--<ms>ms`), which routes it back to the handler queue once the
 *   delay has passed; the original is acknowledged once that publish is confirmed;
 * - otherwise it is published to the queue's dead-letter queue, `<queue>.dead-letter`, with the
 *   error and the runs it had, then acknowledged (with `deadLetter: false`, or on a queue that
 *   is not durable, it is acknowledged and dropped, and the error logged).
 * Runs are counted in the message (`x-enoki-attempts`), so they survive the process. With
 * `MESSAGE_MAX_ATTEMPTS: 0` (and no `retry` policy) `requeueOnError` keeps Nameko's behaviour,
 * requeueing forever, but held in the process for a growing delay (see {@link RequeueBackoff})
 * instead of at once; that hold is also the fallback when a republish fails.
 *
 * A message whose body cannot be decoded never reaches a worker: it goes to the dead-letter queue
 * with the reason (0 runs), or, without one (or with unreadable headers), is rejected without
 * requeue; either way it is logged with the queue and the reason, and never comes back.
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
import { attemptsSoFar } from "../wire/retry-wire.js";
import { Backoff } from "./backoff.js";
import { MessageRepublisher } from "./message-republisher.js";
import { RequeueBackoff } from "./requeue-backoff.js";
import { type RetryOptions, RetryPolicy } from "./retry-policy.js";

/** What a message entrypoint does with a message whose handler failed. */
export interface FailureOptions {
  /**
   * Retry every error, with the default schedule (1 s doubling to 30 s) and attempts
   * (`MESSAGE_MAX_ATTEMPTS`, 5). Default false. The same as `retry: {}`.
   */
  readonly requeueOnError?: boolean;
  /** Retry errors, with this policy. */
  readonly retry?: RetryOptions;
  /**
   * Whether a message that failed for the last time goes to the dead-letter queue
   * `<queue>.dead-letter` (default true; only for durable queues), or is dropped (`false`).
   */
  readonly deadLetter?: boolean;
  /**
   * The queue's type: `"quorum"` (replicated over a RabbitMQ cluster) or `"classic"`. Default:
   * config `QUEUE_TYPE`, which applies if the queue can be quorum (durable, not exclusive, not
   * auto-delete) and leaves it classic otherwise; `"quorum"` here for such a queue is a
   * configuration error.
   */
  readonly queueType?: QueueType | undefined;
}

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
  /** `Backoff` is a request to run again, not a bug: logged as a warning, without its stack. */
  readonly expected: readonly Function[] = [Backoff];
  protected readonly container: ExtensionHost;
  readonly #requeueOnError: boolean;
  readonly #queueType: QueueType | undefined;
  readonly #deadLetter: boolean;
  readonly #retry: RetryPolicy;
  readonly #backoff = new RequeueBackoff();
  #republisher: MessageRepublisher | undefined;
  readonly #maxBodyBytes: number;
  readonly #unsettled = new Set<Delivery>();
  readonly #held = new Map<Delivery, NodeJS.Timeout>();
  #settledAll: (() => void) | undefined;
  #topology: MessageTopology | undefined;
  #consumer: Consumer | undefined;
  #logger: Logger;
  #stopping = false;

  constructor(container: ExtensionHost, method: string, failure: FailureOptions) {
    this.container = container;
    this.method = method;
    this.#queueType = failure.queueType;
    this.#requeueOnError = failure.requeueOnError === true && failure.retry === undefined;
    this.#deadLetter = failure.deadLetter ?? true;
    const retry = failure.retry ?? (failure.requeueOnError === true ? {} : undefined);
    this.#retry = new RetryPolicy(retry, `${container.serviceName}.${method}`);
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
    this.#republisher = new MessageRepublisher(this.container.transport, this.#topology.queue.name);
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
      this.#undecodable(delivery, err as Error);
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
    } else {
      void this.#onFailure(delivery, outcome.error);
    }
  }

  async #onFailure(delivery: Delivery, error: unknown): Promise<void> {
    const runs = attemptsSoFar(delivery.properties.headers) + 1;
    if (this.#retry.retries(error)) {
      const limit = this.#retry.attempts(this.container.settings.messageMaxAttempts);
      if (limit === 0 && this.#requeueOnError) return this.#requeueForever(delivery);
      if (limit === 0 || runs < limit) return this.#retryLater(delivery, runs, limit);
    }
    if (!this.#deadLetters()) {
      this.#logger.warn(
        { routingKey: delivery.routingKey, attempts: runs },
        `${this.name} failed; the message is acknowledged and dropped (no dead-letter queue)`,
      );
      this.#settle(delivery, () => delivery.ack());
      return;
    }
    await this.#republish(delivery, `dead-letter after ${runs} run(s)`, async (republisher) => {
      await republisher.deadLetter(delivery, error, runs);
      this.#logger.error(
        { routingKey: delivery.routingKey, attempts: runs, deadLetterQueue: republisher.deadLetterQueue },
        `${this.name} failed ${runs === 1 ? "once" : `${runs} times`}; the message is in ${republisher.deadLetterQueue}`,
      );
    });
  }

  // Where there is a dead-letter queue: on, and a queue that keeps its messages (durable, shared).
  #deadLetters(): boolean {
    const queue = this.#topology?.queue;
    return this.#deadLetter && queue?.durable === true && !queue.autoDelete && !queue.exclusive;
  }

  // A body no worker can read goes to the dead-letter queue, never run (0 runs), or, without one,
  // or with headers that could not be read (they could not be published again), is rejected.
  #undecodable(delivery: Delivery, err: Error): void {
    const queue = this.#topology?.queue.name;
    const reason = err.message;
    if (!this.#deadLetters() || delivery.headerError !== undefined) {
      this.#logger.error(
        { routingKey: delivery.routingKey, reason },
        `rejected a message from queue ${queue} without requeue: ${reason}`,
      );
      delivery.reject(false);
      return;
    }
    this.#unsettled.add(delivery);
    void this.#republish(delivery, "dead-letter an undecodable message", async (republisher) => {
      await republisher.deadLetter(delivery, err, 0);
      this.#logger.error(
        { routingKey: delivery.routingKey, reason, deadLetterQueue: republisher.deadLetterQueue },
        `rejected a message from queue ${queue}: ${reason}; it is in ${republisher.deadLetterQueue}`,
      );
    });
  }

  async #retryLater(delivery: Delivery, runs: number, limit: number): Promise<void> {
    const delayMs = this.#retry.delayAfter(runs);
    await this.#republish(delivery, "retry", async (republisher) => {
      await republisher.delay(delivery, delayMs, runs);
      this.#logger.warn(
        { routingKey: delivery.routingKey, attempts: runs, delayMs },
        `${this.name} failed (run ${runs} of ${limit === 0 ? "unlimited" : limit}); it runs again in ${delayMs} ms`,
      );
    });
  }

  // Publish the copy, then acknowledge the original. If the publish fails (the broker refused it,
  // the connection went), the original is held and requeued, and runs again: never lost.
  async #republish(
    delivery: Delivery,
    what: string,
    publish: (republisher: MessageRepublisher) => Promise<void>,
  ): Promise<void> {
    try {
      if (this.#republisher === undefined) throw new Error("the entrypoint was not set up");
      await publish(this.#republisher);
      this.#settle(delivery, () => delivery.ack());
    } catch (err) {
      this.#logger.error(
        { routingKey: delivery.routingKey, err: (err as Error).message },
        `${this.name}: could not publish the failed message (${what}); it is held and requeued`,
      );
      this.#requeueForever(delivery);
    }
  }

  #requeueForever(delivery: Delivery): void {
    if (this.#stopping) this.#settle(delivery, () => delivery.reject(true));
    else this.#hold(delivery, this.#backoff.failed(delivery));
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

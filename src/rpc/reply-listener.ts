/**
 * A caller's reply queue and the calls waiting on it. One per container (shared by all its RPC
 * proxies) and one per standalone client, as in Nameko.
 */
import { randomUUID } from "node:crypto";
import type { Extension } from "../core/extension.js";
import { ConnectionLost } from "../transport/errors.js";
import type { Consumer, Delivery, ExchangeSpec, ReturnedMessage, Transport } from "../transport/transport.js";
import type { Logger } from "../util/logger.js";
import { replyQueue } from "../wire/names.js";
import { UnknownService } from "../wire/remote-errors.js";
import { decodeReply } from "../wire/rpc-envelope.js";
import { ReplyQueueLost, RpcTimeout } from "./errors.js";

interface PendingCall {
  resolve(result: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** The request's routing key (`<service>.<method>`), to match a return to it. */
  target: string;
  /** The service called, which `UnknownService` names when its request comes back. */
  service: string;
}

/**
 * Listens for replies and settles the matching calls. When its queue is lost (deleted, expired,
 * or on a cluster node that went away) the calls waiting on it fail at once with
 * {@link ReplyQueueLost}; if the queue cannot be declared again, the listener moves to a new one
 * (a new `routingKey`) for the calls that follow.
 *
 * It also hears the requests the broker returns (no queue bound: nobody serves the service) when
 * they were published without a confirm (`RPC_PERSISTENT: false`), and fails their calls with
 * `UnknownService` as soon as a confirmed publish would.
 */
export class ReplyListener implements Extension {
  #routingKey: string;
  readonly #transport: Transport;
  readonly #exchange: ExchangeSpec;
  readonly #owner: string;
  readonly #logger: Logger;
  readonly #noAck: boolean;
  readonly #pending = new Map<string, PendingCall>();
  #consumer: Promise<Consumer> | undefined;
  #stopHearingReturns: (() => void) | undefined;
  #ready: Promise<void> | undefined;
  #isReady = false;
  #queueName: string;
  #closed = false;

  /**
   * @param persistent - whether its owner's calls are persistent (config `RPC_PERSISTENT`). The
   *   replies to transient calls are consumed without acknowledgements: the broker forgets each
   *   as it sends it. A transient reply is not worth an ack: it is lost with a broker restart
   *   anyway, and one lost in the moment a connection drops is a timeout like any dropped
   *   transient message; the acks would cost the broker on every call.
   */
  constructor(
    transport: Transport,
    owner: string,
    exchange: ExchangeSpec,
    logger: Logger,
    persistent = true,
  ) {
    this.#transport = transport;
    this.#noAck = !persistent;
    this.#owner = owner;
    this.#exchange = exchange;
    this.#logger = logger;
    this.#routingKey = randomUUID();
    this.#queueName = replyQueue(owner, this.#routingKey).name;
  }

  /** Names the listener (and its current queue) in lifecycle errors and logs. */
  get name(): string {
    return `reply listener ${this.#queueName}`;
  }

  /** The `reply_to` of every request this listener's owner sends (read it for each request). */
  get routingKey(): string {
    return this.#routingKey;
  }

  /** Calls waiting for a reply. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  async setup(): Promise<void> {
    await this.ready();
  }

  /** Whether the reply queue is declared and consumed (so calls need not wait for it). */
  get isReady(): boolean {
    return this.#isReady;
  }

  /** Declares the reply queue and starts consuming it (once). `target` names the call in errors. */
  ready(target?: string): Promise<void> {
    if (this.#ready !== undefined) return this.#ready;
    if (this.#closed) return Promise.reject(closedCaller(target));
    const queue = replyQueue(this.#owner, this.#routingKey);
    this.#stopHearingReturns ??= this.#transport.onReturn?.((m) => this.#onReturned(m));
    this.#consumer = this.#transport.consume({
      queue,
      bindings: [{ exchange: this.#exchange, routingKey: this.#routingKey }],
      prefetch: 0,
      noAck: this.#noAck,
      onMessage: (d) => this.#onReply(d),
      onQueueLost: () => this.#failAll(new ReplyQueueLost(queue.name, this.#pending.size)),
      onFailure: (err) => this.#moveQueue(queue.name, err),
    });
    this.#ready = this.#consumer.then(() => {
      this.#isReady = true;
    });
    // A failed declare is retried by the next call, rather than failing every call forever.
    this.#ready.catch(() => {
      this.#ready = undefined;
    });
    return this.#ready;
  }

  /**
   * Registers a call and returns the promise of its reply. `target` is its request's routing key
   * (`<service>.<method>`, naming the call in errors) and `service` the service called. A
   * `timeoutMs` of 0 waits forever.
   */
  expect(correlationId: string, target: string, timeoutMs: number, service: string): Promise<unknown> {
    // Closed after the caller passed ready(): nothing would ever settle the call.
    if (this.#closed) return Promise.reject(closedCaller(target));
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => this.fail(correlationId, new RpcTimeout(target, timeoutMs)), timeoutMs)
          : undefined;
      this.#pending.set(correlationId, { resolve, reject, timer, target, service });
    });
  }

  /** Fails a waiting call (its request was undeliverable, or it timed out). */
  fail(correlationId: string, error: Error): void {
    const call = this.#take(correlationId);
    call?.reject(error);
  }

  async stop(): Promise<void> {
    await this.#close(new ConnectionLost("The caller stopped before the reply arrived"));
  }

  async kill(): Promise<void> {
    await this.#close(new ConnectionLost("The caller was killed before the reply arrived"));
  }

  async #close(error: Error): Promise<void> {
    this.#closed = true;
    this.#stopHearingReturns?.();
    this.#stopHearingReturns = undefined;
    this.#failAll(error);
    const consumer = this.#consumer;
    this.#consumer = undefined;
    this.#ready = undefined;
    this.#isReady = false;
    if (consumer !== undefined) await (await consumer.catch(() => undefined))?.close();
  }

  /**
   * The queue could not be declared and consumed again after a reconnect (its cluster node is
   * gone, or a queue of that name with other arguments took its place): no reply can reach the
   * calls waiting on it. They fail now, and the next call declares a queue of a new name.
   */
  #moveQueue(lostQueue: string, err: Error): void {
    if (this.#closed || lostQueue !== this.#queueName) return;
    this.#logger.error(
      { err: err.message, queue: lostQueue },
      "the reply queue cannot be consumed again; calls waiting on it fail, later calls use a new one",
    );
    const consumer = this.#consumer;
    this.#consumer = undefined;
    this.#ready = undefined;
    this.#isReady = false;
    this.#routingKey = randomUUID();
    this.#queueName = replyQueue(this.#owner, this.#routingKey).name;
    if (this.#pending.size > 0) this.#failAll(new ReplyQueueLost(lostQueue, this.#pending.size));
    void consumer?.then((c) => c.close()).catch(() => undefined);
  }

  #failAll(error: Error): void {
    for (const id of [...this.#pending.keys()]) this.fail(id, error);
  }

  #take(correlationId: string): PendingCall | undefined {
    const call = this.#pending.get(correlationId);
    if (call === undefined) return undefined;
    this.#pending.delete(correlationId);
    clearTimeout(call.timer);
    return call;
  }

  // Correlation ids are unique, but a return is matched on its route as well: a message of some
  // other publisher on the same transport that happens to reuse an id fails no call of ours.
  #onReturned(message: ReturnedMessage): void {
    const { correlationId } = message.properties;
    if (correlationId === undefined || message.exchange !== this.#exchange.name) return;
    const call = this.#pending.get(correlationId);
    if (call?.target !== message.routingKey) return;
    this.fail(correlationId, new UnknownService(call.service));
  }

  #onReply(delivery: Delivery): void {
    delivery.ack();
    const correlationId = delivery.properties.correlationId;
    const call = correlationId === undefined ? undefined : this.#take(correlationId);
    if (call === undefined) {
      this.#logger.debug({ correlationId }, "reply for no waiting call (late, or not ours); dropped");
      return;
    }
    try {
      const reply = decodeReply(delivery);
      if (reply.ok) call.resolve(reply.result);
      else call.reject(reply.error);
    } catch (err) {
      call.reject(err as Error);
    }
  }
}

/** A call made after its caller closed: not a lost connection, a finished client. */
function closedCaller(target?: string): ConnectionLost {
  const what = target === undefined ? "The caller" : `Cannot call ${target}: the caller`;
  return new ConnectionLost(`${what} has been closed (cluster.close(), or its container stopped)`);
}

/**
 * One queue of the in-memory broker: its messages in order, its consumers in round-robin order,
 * and the rules that delete it (auto-delete, `x-expires`).
 */
import type { MessageProperties, QueueSpec } from "../transport.js";

/** A message as a queue holds it (each queue a message is routed to gets its own record). */
export interface StoredMessage {
  /** Broker-wide publish order; requeued messages go back to their place by it. */
  readonly seq: number;
  readonly exchange: string;
  readonly routingKey: string;
  /** Never handed out: every delivery gets its own copy. */
  readonly body: Buffer;
  /** Headers already in their wire form (see `wire-headers.ts`). */
  readonly properties: Readonly<MessageProperties> & { readonly headers: Record<string, unknown> };
  /** When its `expiration` runs out (`Date.now()` milliseconds); never when undefined. */
  readonly expiresAt?: number | undefined;
  redelivered: boolean;
}

/** A consumer as its queue sees it. */
export interface QueueConsumer {
  /** Whether it takes another message now (consuming, and below its prefetch). */
  readonly hasCapacity: boolean;
  /** Hands over a message; the consumer owns it until it settles it or closes. */
  deliver(message: StoredMessage): void;
}

/** What a queue needs from its broker. */
export interface QueueHost {
  /** Asks for a dispatch round soon (asynchronously). */
  schedule(queue: MemoryQueue): void;
  /** Deletes the queue (auto-delete, expiry). */
  remove(queue: MemoryQueue): void;
  /** A message expired in a queue with a dead-letter exchange: republish it there. */
  deadLetter(queue: MemoryQueue, message: StoredMessage): void;
}

/** A queue of the in-memory broker. */
export class MemoryQueue {
  readonly spec: QueueSpec;
  /** The connection an exclusive queue belongs to. */
  readonly owner: object | undefined;
  readonly #host: QueueHost;
  readonly #expiresMs: number | undefined;
  // Messages never delivered, oldest first, from #head on (shifting a long array is slow).
  #ready: StoredMessage[] = [];
  #head = 0;
  // Requeued messages, by seq. They always precede #ready: a message is delivered only once
  // every older one has been.
  #requeued: StoredMessage[] = [];
  #consumers: QueueConsumer[] = [];
  #next = 0;
  #unacked = 0;
  #hadConsumer = false;
  #expiry: NodeJS.Timeout | undefined;
  #deleted = false;

  constructor(spec: QueueSpec, owner: object | undefined, expiresMs: number | undefined, host: QueueHost) {
    this.spec = spec;
    this.owner = owner;
    this.#expiresMs = expiresMs;
    this.#host = host;
    this.#armExpiry();
  }

  get name(): string {
    return this.spec.name;
  }

  /** Whether the queue was deleted (it then takes and keeps nothing). */
  get deleted(): boolean {
    return this.#deleted;
  }

  /** Messages waiting for a consumer. */
  get messageCount(): number {
    return this.#ready.length - this.#head + this.#requeued.length;
  }

  get consumerCount(): number {
    return this.#consumers.length;
  }

  /** Messages delivered and not settled yet. */
  get unackedCount(): number {
    return this.#unacked;
  }

  /** Adds a newly routed message. */
  enqueue(message: StoredMessage): void {
    if (this.#deleted) return;
    this.#ready.push(message);
    this.#host.schedule(this);
    // RabbitMQ also expires messages nobody consumes: a delay queue has no consumer at all.
    if (message.expiresAt !== undefined) {
      const wake = () => this.wake();
      setTimeout(wake, Math.max(0, message.expiresAt - Date.now()) + 1).unref();
    }
  }

  /** Takes the next live message for `basic.get` (it counts as delivered and unsettled). */
  get(): StoredMessage | undefined {
    while (!this.#deleted && this.messageCount > 0) {
      if (this.#dropExpired()) continue;
      this.#unacked++;
      return this.#take();
    }
    return undefined;
  }

  /** Drops every ready message; returns how many. */
  purge(): number {
    const count = this.messageCount;
    this.#ready = [];
    this.#head = 0;
    this.#requeued = [];
    return count;
  }

  /** A delivered message was settled: acknowledged or dropped, or else put back (`requeue`). */
  settle(message: StoredMessage, requeue: boolean): void {
    if (this.#deleted) return;
    this.#unacked--;
    if (requeue) this.#requeue(message);
    else this.wake();
  }

  #requeue(message: StoredMessage): void {
    message.redelivered = true;
    const list = this.#requeued;
    let index = list.length;
    while (index > 0 && list[index - 1]!.seq > message.seq) index--;
    list.splice(index, 0, message);
    this.#host.schedule(this);
  }

  /** A consumer settled something (or a message's time ran out): it may have room for more. */
  wake(): void {
    if (!this.#deleted && this.messageCount > 0) this.#host.schedule(this);
  }

  addConsumer(consumer: QueueConsumer): void {
    this.#consumers.push(consumer);
    this.#hadConsumer = true;
    this.#disarmExpiry();
    this.wake();
  }

  /** Removes a consumer; the last one to leave deletes an auto-delete queue. */
  removeConsumer(consumer: QueueConsumer): void {
    const index = this.#consumers.indexOf(consumer);
    if (index === -1) return;
    this.#consumers.splice(index, 1);
    if (this.#next > index) this.#next--;
    if (this.#consumers.length > 0 || this.#deleted) return;
    if (this.spec.autoDelete && this.#hadConsumer) this.#host.remove(this);
    else this.#armExpiry();
  }

  /** A re-declaration counts as use: the expiry starts again. */
  touch(): void {
    if (this.#consumers.length === 0) this.#armExpiry();
  }

  /**
   * Delivers waiting messages round-robin to consumers with capacity. A round hands out at most
   * the messages that were waiting when it began: messages published or requeued by the
   * consumers meanwhile wait for the next round, so a consumer that always requeues cannot
   * starve the event loop.
   */
  dispatch(): void {
    let budget = this.messageCount;
    while (budget > 0 && !this.#deleted && this.messageCount > 0) {
      if (this.#dropExpired()) continue;
      const consumer = this.#nextConsumer();
      if (consumer === undefined) return;
      budget--;
      this.#unacked++;
      consumer.deliver(this.#take());
    }
    if (!this.#deleted && this.messageCount > 0 && this.#nextConsumer(false) !== undefined) {
      this.#host.schedule(this);
    }
  }

  /** Marks the queue deleted and drops its messages. */
  destroy(): void {
    this.#deleted = true;
    this.#disarmExpiry();
    this.#ready = [];
    this.#head = 0;
    this.#requeued = [];
    this.#consumers = [];
    this.#unacked = 0;
  }

  #nextConsumer(advance = true): QueueConsumer | undefined {
    const count = this.#consumers.length;
    for (let i = 0; i < count; i++) {
      const index = (this.#next + i) % count;
      const consumer = this.#consumers[index]!;
      if (!consumer.hasCapacity) continue;
      if (advance) this.#next = (index + 1) % count;
      return consumer;
    }
    return undefined;
  }

  /**
   * Per-message TTL (`expiration`), as RabbitMQ applies it: a message whose time has run out is
   * dropped (or dead-lettered, with `x-dead-letter-exchange`) when it reaches the head of the
   * queue, never delivered. Returns whether it dropped one.
   */
  #dropExpired(): boolean {
    const head = this.#requeued[0] ?? this.#ready[this.#head];
    if (head?.expiresAt === undefined || head.expiresAt > Date.now()) return false;
    const expired = this.#take();
    if (this.spec.arguments?.["x-dead-letter-exchange"] !== undefined) this.#host.deadLetter(this, expired);
    return true;
  }

  #take(): StoredMessage {
    const requeued = this.#requeued.shift();
    if (requeued !== undefined) return requeued;
    const message = this.#ready[this.#head]!;
    this.#ready[this.#head] = undefined as never;
    this.#head++;
    if (this.#head === this.#ready.length) {
      this.#ready = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#ready.length) {
      this.#ready = this.#ready.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }

  // `x-expires`: deleted once unused (no consumer, not re-declared) for that long. RabbitMQ
  // checks on a timer too, so both are approximate.
  #armExpiry(): void {
    if (this.#expiresMs === undefined || this.#deleted) return;
    this.#disarmExpiry();
    this.#expiry = setTimeout(() => this.#host.remove(this), this.#expiresMs);
    this.#expiry.unref();
  }

  #disarmExpiry(): void {
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
  }
}

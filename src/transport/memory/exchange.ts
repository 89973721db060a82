/**
 * One exchange of the in-memory broker: its bindings and how it routes a routing key to queues.
 */
import type { ExchangeSpec } from "../transport.js";
import type { MemoryQueue } from "./queue.js";
import { hasWildcard, topicMatcher } from "./topic.js";

interface PatternBindings {
  readonly matches: (routingKey: string) => boolean;
  readonly queues: Set<MemoryQueue>;
}

/**
 * An exchange. Topic and direct exchanges route by routing key (topic with `*` and `#`); fanout
 * exchanges route to every bound queue; headers exchanges by the binding's header arguments
 * (`x-match` `all` or `any`; a binding without arguments matches every message).
 */
export class MemoryExchange {
  readonly spec: ExchangeSpec;
  // Every binding, by queue; plus two indexes: keys matched literally, and topic patterns.
  readonly #byQueue = new Map<MemoryQueue, Set<string>>();
  readonly #literal = new Map<string, Set<MemoryQueue>>();
  readonly #patterns = new Map<string, PatternBindings>();
  // Headers exchanges: the argument tables each queue is bound with.
  readonly #headerBindings = new Map<MemoryQueue, Readonly<Record<string, unknown>>[]>();

  constructor(spec: ExchangeSpec) {
    this.spec = spec;
  }

  get bindingCount(): number {
    let count = 0;
    for (const keys of this.#byQueue.values()) count += keys.size;
    return count;
  }

  /** Binds a queue with a routing key (binding twice is a no-op, as in AMQP). */
  bind(queue: MemoryQueue, routingKey: string, args: Readonly<Record<string, unknown>> = {}): void {
    if (this.spec.type === "headers") this.#bindHeaders(queue, args);
    let keys = this.#byQueue.get(queue);
    if (keys === undefined) {
      keys = new Set();
      this.#byQueue.set(queue, keys);
    }
    if (keys.has(routingKey)) return;
    keys.add(routingKey);
    if (this.spec.type === "topic" && hasWildcard(routingKey)) {
      let entry = this.#patterns.get(routingKey);
      if (entry === undefined) {
        entry = { matches: topicMatcher(routingKey), queues: new Set() };
        this.#patterns.set(routingKey, entry);
      }
      entry.queues.add(queue);
    } else {
      addTo(this.#literal, routingKey, queue);
    }
  }

  #bindHeaders(queue: MemoryQueue, args: Readonly<Record<string, unknown>>): void {
    const tables = this.#headerBindings.get(queue) ?? [];
    const text = JSON.stringify(args);
    if (!tables.some((table) => JSON.stringify(table) === text)) tables.push(args);
    this.#headerBindings.set(queue, tables);
  }

  /** Removes every binding of a queue. Returns whether the exchange has bindings left. */
  unbindQueue(queue: MemoryQueue): boolean {
    this.#headerBindings.delete(queue);
    const keys = this.#byQueue.get(queue);
    if (keys === undefined) return this.#byQueue.size > 0;
    this.#byQueue.delete(queue);
    for (const key of keys) {
      removeFrom(this.#literal, key, queue);
      const entry = this.#patterns.get(key);
      if (entry !== undefined) {
        entry.queues.delete(queue);
        if (entry.queues.size === 0) this.#patterns.delete(key);
      }
    }
    return this.#byQueue.size > 0;
  }

  /** Adds the queues `routingKey` reaches to `into` (a set: one copy per queue). */
  route(routingKey: string, headers: Readonly<Record<string, unknown>>, into: Set<MemoryQueue>): void {
    if (this.spec.type === "headers") {
      for (const [queue, tables] of this.#headerBindings) {
        if (tables.some((table) => headersMatch(table, headers))) into.add(queue);
      }
      return;
    }
    if (this.spec.type === "fanout") {
      for (const queue of this.#byQueue.keys()) into.add(queue);
      return;
    }
    const literal = this.#literal.get(routingKey);
    if (literal !== undefined) for (const queue of literal) into.add(queue);
    for (const { matches, queues } of this.#patterns.values()) {
      if (matches(routingKey)) for (const queue of queues) into.add(queue);
    }
  }
}

function addTo(index: Map<string, Set<MemoryQueue>>, key: string, queue: MemoryQueue): void {
  const set = index.get(key);
  if (set === undefined) index.set(key, new Set([queue]));
  else set.add(queue);
}

function removeFrom(index: Map<string, Set<MemoryQueue>>, key: string, queue: MemoryQueue): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(queue);
  if (set.size === 0) index.delete(key);
}

// RabbitMQ's rule: arguments starting with `x-` are not matched; `x-match` says whether all the
// others must equal the message's headers, or any one of them.
function headersMatch(
  table: Readonly<Record<string, unknown>>,
  headers: Readonly<Record<string, unknown>>,
): boolean {
  const keys = Object.keys(table).filter((key) => !key.startsWith("x-"));
  if (keys.length === 0) return true;
  const equal = (key: string) =>
    Object.hasOwn(headers, key) &&
    JSON.stringify(headers[key], bigintText) === JSON.stringify(table[key], bigintText);
  return table["x-match"] === "any" ? keys.some(equal) : keys.every(equal);
}

function bigintText(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

/**
 * The `@consume` entrypoint: handles plain AMQP messages from any producer, Nameko's
 * `messaging.consume`.
 */
import type { ExtensionHost } from "../core/extension-host.js";
import { type AnyMethodContext, addEntrypoint } from "../core/service.js";
import { checkQueueTypeOption } from "../transport/queue-type.js";
import type { BindingSpec } from "../transport/transport.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { type ExchangeOptions, exchangeSpec, type QueueOptions, queueSpec } from "./declarations.js";
import { type FailureOptions, MessageEntrypoint, type MessageTopology } from "./message-entrypoint.js";
import { RetryPolicy } from "./retry-policy.js";

/** What `@consume` consumes: a queue, optionally bound to an exchange. */
export interface ConsumeSource {
  /** The queue, declared as given (kombu's defaults: durable, not exclusive, not auto-delete). */
  queue: QueueOptions;
  /** An exchange to declare and bind the queue to (kombu's defaults: direct, durable). */
  exchange?: ExchangeOptions;
  /** The binding's routing key (a pattern on a topic exchange). Default `""`, as kombu's. */
  routingKey?: string;
}

/**
 * Options of `@consume`: what happens when the handler throws. By default the message goes to
 * the dead-letter queue `<queue>.dead-letter` with its error; `requeueOnError: true` or a `retry`
 * policy runs it again after a delay first (up to `MESSAGE_MAX_ATTEMPTS` runs, 5 by default).
 * See docs/reliability.md, "Retries and dead letters".
 */
export interface ConsumeOptions extends FailureOptions {}

/**
 * Runs the method for each message of a queue, with the decoded body as its only argument (any
 * content type Enoki knows: JSON by default). The message is acknowledged after the method
 * finishes; its headers become the worker's context, as Nameko reads them. A message without a
 * content type, or with a body that cannot be decoded, is rejected without requeue and logged.
 *
 * @example
 * @consume({ queue: "billing-orders", exchange: { name: "orders", type: "topic" }, routingKey: "order.*" })
 * async onOrder(order: { id: string }) { ... }
 */
export function consume(
  source: ConsumeSource,
  options: ConsumeOptions = {},
): (method: (body: never) => unknown, context: AnyMethodContext) => void {
  const queue = queueSpec(source.queue);
  if (queue.name === "") throw new ConfigurationError("@consume needs a queue name");
  const bindings: BindingSpec[] =
    source.exchange === undefined
      ? []
      : [{ exchange: exchangeSpec(source.exchange), routingKey: source.routingKey ?? "" }];
  const topology: MessageTopology = { queue, bindings };
  new RetryPolicy(options.retry, `@consume ${queue.name}`); // checked now, not at start
  const queueType = checkQueueTypeOption(options.queueType, `@consume("${queue.name}")`);
  return (method, context) =>
    addEntrypoint(
      "consume",
      method,
      context,
      (container, signature) =>
        new ConsumeEntrypoint(container, signature.method, topology, { ...options, queueType }),
    );
}

/** One `@consume` method of a running service, with its own consumer. */
export class ConsumeEntrypoint extends MessageEntrypoint {
  readonly kind = "consume";
  readonly name: string;
  readonly #topology: MessageTopology;

  constructor(container: ExtensionHost, method: string, topology: MessageTopology, failure: FailureOptions) {
    super(container, method, failure);
    this.#topology = topology;
    this.name = `consume ${container.serviceName}.${method}`;
  }

  protected topology(): MessageTopology {
    return this.#topology;
  }
}

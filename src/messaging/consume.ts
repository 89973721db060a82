/**
 * The `@consume` entrypoint: handles plain AMQP messages from any producer, Nameko's
 * `messaging.consume`.
 */
import type { ExtensionHost } from "../core/extension-host.js";
import { type AnyMethodContext, addEntrypoint } from "../core/service.js";
import { checkQueueTypeOption, type QueueType } from "../transport/queue-type.js";
import type { BindingSpec } from "../transport/transport.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { type ExchangeOptions, exchangeSpec, type QueueOptions, queueSpec } from "./declarations.js";
import { MessageEntrypoint, type MessageTopology } from "./message-entrypoint.js";

/** What `@consume` consumes: a queue, optionally bound to an exchange. */
export interface ConsumeSource {
  /** The queue, declared as given (kombu's defaults: durable, not exclusive, not auto-delete). */
  queue: QueueOptions;
  /** An exchange to declare and bind the queue to (kombu's defaults: direct, durable). */
  exchange?: ExchangeOptions;
  /** The binding's routing key (a pattern on a topic exchange). Default `""`, as kombu's. */
  routingKey?: string;
}

/** Options of `@consume`. */
export interface ConsumeOptions {
  /**
   * When the handler throws: `false` (default) acknowledges the message anyway (it is dropped,
   * and the error logged); `true` gives it back to the queue after a delay of 1 s doubling per
   * failure of the same message up to 30 s, with no limit on retries.
   */
  requeueOnError?: boolean;
  /**
   * The queue's type: `"quorum"` (replicated over a RabbitMQ cluster) or `"classic"`. Default:
   * config `QUEUE_TYPE`, which applies if the queue can be quorum (durable, not exclusive, not
   * auto-delete) and leaves it classic otherwise; `"quorum"` here for such a queue is a
   * configuration error.
   */
  queueType?: QueueType;
}

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
  const requeueOnError = options.requeueOnError ?? false;
  const queueType = checkQueueTypeOption(options.queueType, `@consume("${queue.name}")`);
  return (method, context) =>
    addEntrypoint(
      "consume",
      method,
      context,
      (container, signature) =>
        new ConsumeEntrypoint(container, signature.method, topology, requeueOnError, queueType),
    );
}

/** One `@consume` method of a running service, with its own consumer. */
export class ConsumeEntrypoint extends MessageEntrypoint {
  readonly kind = "consume";
  readonly name: string;
  readonly #topology: MessageTopology;

  constructor(
    container: ExtensionHost,
    method: string,
    topology: MessageTopology,
    requeueOnError: boolean,
    queueType?: QueueType,
  ) {
    super(container, method, requeueOnError, queueType);
    this.#topology = topology;
    this.name = `consume ${container.serviceName}.${method}`;
  }

  protected topology(): MessageTopology {
    return this.#topology;
  }
}

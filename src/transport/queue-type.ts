/**
 * Queue types. A classic queue lives on one broker node; a quorum queue is replicated over the
 * nodes of a cluster (Raft) and survives the loss of a minority of them. The type is the queue
 * argument `x-queue-type`, fixed when the queue is created: RabbitMQ refuses a declaration of an
 * existing queue with another type (`PRECONDITION_FAILED`, "inequivalent arg 'x-queue-type'"),
 * which both adapters turn into {@link QueueTypeMismatch}.
 */
import { ConfigurationError } from "../util/enoki-error.js";
import type { QueueSpec } from "./transport.js";

/** The queue types Enoki declares. */
export type QueueType = "classic" | "quorum";

/** The queue argument that holds the type. */
export const QUEUE_TYPE_ARG = "x-queue-type";

/**
 * Whether a queue may be a quorum queue: RabbitMQ refuses exclusive, auto-delete and transient
 * quorum queues (`invalid property`).
 */
export function canBeQuorum(spec: QueueSpec): boolean {
  return spec.durable && !spec.exclusive && !spec.autoDelete;
}

/** Checks an entrypoint's `queueType` option (JavaScript callers have no type checker). */
export function checkQueueTypeOption(value: QueueType | undefined, where: string): QueueType | undefined {
  if (value === undefined || value === "classic" || value === "quorum") return value;
  throw new ConfigurationError(
    `${where}: queueType must be "classic" or "quorum", got ${JSON.stringify(value)}`,
  );
}

/**
 * The queue as declared with type `type`. `"classic"` leaves the declaration as Nameko makes it,
 * without `x-queue-type`, so the vhost's default type applies (classic unless the vhost was
 * created with another default); `"quorum"` adds `x-queue-type: quorum`.
 */
export function withQueueType(spec: QueueSpec, type: QueueType): QueueSpec {
  if (type === "classic") return spec;
  return { ...spec, arguments: { ...spec.arguments, [QUEUE_TYPE_ARG]: type } };
}

/**
 * An existing queue has another type than the one declared. Declaring again cannot succeed (and
 * restarting will not help): the queue must be migrated, or the declaration changed.
 */
export class QueueTypeMismatch extends ConfigurationError {
  readonly queue: string;
  readonly vhost: string;
  /** The type declared; `undefined` when declared without `x-queue-type` (as Nameko does). */
  readonly declared: string | undefined;
  /** The type the queue has; `undefined` when it was created without `x-queue-type`. */
  readonly current: string | undefined;

  constructor(queue: string, vhost: string, declared: string | undefined, current: string | undefined) {
    super(
      `queue '${queue}' in vhost '${vhost}' is ${typeText(current)}, and is now declared ` +
        `${declaredText(declared)}: a queue keeps the type it was created with. To change it, stop ` +
        "every consumer of the queue (Enoki and Nameko instances), let it drain, delete it " +
        `(rabbitmqctl delete_queue -p '${vhost}' '${queue}') and start the services with the new ` +
        "type; or declare the type it has (config QUEUE_TYPE, or the entrypoint's queueType). " +
        "Python Nameko declares queues without a type: see docs/reliability.md, " +
        '"Quorum queues and clusters"',
    );
    this.name = "QueueTypeMismatch";
    this.queue = queue;
    this.vhost = vhost;
    this.declared = declared;
    this.current = current;
  }
}

function typeText(type: string | undefined): string {
  return type === undefined ? "a queue created without a type (classic)" : `a ${type} queue`;
}

function declaredText(type: string | undefined): string {
  return type === undefined ? "without a type (QUEUE_TYPE classic, or Nameko)" : type;
}

// RabbitMQ's wording (3.10): "inequivalent arg 'x-queue-type' for queue 'q' in vhost 'v':
// received none but current is the value 'quorum' of type 'longstr'" (or "received 'classic'
// but current is 'quorum'"). The in-memory broker writes the same.
const MISMATCH =
  /inequivalent arg 'x-queue-type' for queue '((?:[^']|'(?! in vhost))*)' in vhost '((?:[^']|'(?!:))*)': received (.*?) but current is (.*?)"?$/;

/** The mismatch a refused queue declaration reports, or `undefined` for any other error. */
export function queueTypeMismatch(err: unknown): QueueTypeMismatch | undefined {
  if (!(err instanceof Error)) return undefined;
  const match = MISMATCH.exec(err.message);
  if (match === null) return undefined;
  const [, queue = "", vhost = "", received = "", current = ""] = match;
  return new QueueTypeMismatch(queue, vhost, typeOf(received), typeOf(current));
}

function typeOf(text: string): string | undefined {
  return /'([^']*)'/.exec(text)?.[1];
}

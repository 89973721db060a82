/**
 * Enoki's error classes.
 *
 * The ones that cross the wire keep Nameko's names and `exc_path`s so Python services raise
 * and catch them as their own (see `serialization/wire-error.ts` for the mapping).
 */

/**
 * Base class for errors that travel over RPC with positional arguments, as Python exceptions do.
 *
 * `args` become the wire error's `exc_args` (stringified as Nameko does) and the message is what
 * Python's `str(exc)` would print: the single argument, or the tuple repr of several.
 *
 * @example
 * class NotFound extends ServiceError {}
 * throw new NotFound("airport", 42); // exc_args ["airport", "42"], value "('airport', 42)"
 */
export class ServiceError extends Error {
  /** The positional arguments, as given. */
  readonly args: readonly unknown[];

  constructor(...args: unknown[]) {
    super(pythonStr(args));
    this.args = args;
    this.name = new.target.name;
  }
}

/** Raised for requests Nameko would call bad: the caller's fault, not the service's. */
export class BadRequest extends ServiceError {}

/** The request could not be decoded or is not `{args, kwargs}`. */
export class MalformedRequest extends BadRequest {}

/** The service has no RPC method of that name. `args[0]` is the method name. */
export class MethodNotFound extends BadRequest {}

/** The arguments do not fit the method's parameters. */
export class IncorrectSignature extends BadRequest {}

/** The result of an RPC method cannot be serialized. */
export class UnserializableValueError extends ServiceError {
  constructor(value?: unknown) {
    super();
    this.message = value === undefined ? "" : `Unserializable value: \`${describeValue(value)}\``;
  }
}

/**
 * An error raised by a remote service whose type is not registered locally.
 * `excType` and `value` are the remote `exc_type` and `str(exc)`.
 */
export class RemoteError extends Error {
  readonly excType: string;
  readonly value: string;
  readonly excPath: string | undefined;
  readonly excArgs: readonly unknown[];

  constructor(excType: string, value: string, excPath?: string, excArgs: readonly unknown[] = []) {
    super(`${excType} ${value}`);
    this.name = "RemoteError";
    this.excType = excType;
    this.value = value;
    this.excPath = excPath;
    this.excArgs = excArgs;
  }
}

/** No queue is bound for the service: nobody could ever answer the call. */
export class UnknownService extends Error {
  readonly service: string;
  constructor(service: string) {
    super(`Unknown service \`${service}\``);
    this.name = "UnknownService";
    this.service = service;
  }
}

/** No reply arrived in time. */
export class RpcTimeout extends Error {
  constructor(target: string, timeoutMs: number) {
    super(`No reply from ${target} within ${formatSeconds(timeoutMs)}`);
    this.name = "RpcTimeout";
  }
}

/** A mandatory message was returned by the broker because no queue was bound for it. */
export class UndeliverableMessage extends Error {
  readonly exchange: string;
  readonly routingKey: string;
  constructor(exchange: string, routingKey: string) {
    super(`No queue is bound to exchange \`${exchange}\` for routing key \`${routingKey}\``);
    this.name = "UndeliverableMessage";
    this.exchange = exchange;
    this.routingKey = routingKey;
  }
}

/** The connection to the broker was lost while the operation was under way. */
export class ConnectionLost extends Error {
  constructor(message = "Connection to the broker was lost", options?: ErrorOptions) {
    super(message, options);
    this.name = "ConnectionLost";
  }
}

/**
 * The caller's reply queue disappeared (deleted, or expired after more than 5 minutes without a
 * connection) while calls waited on it: their replies are lost. Nameko 3's
 * `ReplyQueueExpiredWithPendingReplies`.
 */
export class ReplyQueueLost extends Error {
  constructor(queue: string, pending: number) {
    super(`Reply queue ${queue} was lost while ${pending} call(s) waited on it; their replies are lost`);
    this.name = "ReplyQueueLost";
  }
}

/** The container is being killed; the work was abandoned and its message requeued. */
export class ContainerBeingKilled extends Error {
  constructor(message = "Container is being killed") {
    super(message);
    this.name = "ContainerBeingKilled";
  }
}

/** A service, extension or config value is invalid. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigurationError";
  }
}

/** An extension did not finish a lifecycle phase in time. */
export class ExtensionTimeoutError extends Error {
  readonly extension: string;
  readonly phase: string;
  constructor(extension: string, phase: string, timeoutMs: number) {
    super(`${extension} did not finish ${phase} within ${formatSeconds(timeoutMs)}`);
    this.name = "ExtensionTimeoutError";
    this.extension = extension;
    this.phase = phase;
  }
}

/** A dependency was used on an instance the container did not create. */
export class DependencyNotInjected extends Error {
  constructor(what: string) {
    super(
      `${what} is only a declaration here: dependencies are injected into workers created by a ` +
        `container. In unit tests, use workerFactory() from "enoki/testing".`,
    );
    this.name = "DependencyNotInjected";
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

// --- Python-style text, so messages read the same on both sides of the wire --------------------

/** What Python's `str(exc)` prints for an exception with these args. */
export function pythonStr(args: readonly unknown[]): string {
  if (args.length === 0) return "";
  if (args.length === 1) return typeof args[0] === "string" ? args[0] : pythonRepr(args[0]);
  return pythonRepr(args, true);
}

/** Python's `repr()` of a JSON-like value; arrays print as tuples when `tuple` is set. */
export function pythonRepr(value: unknown, tuple = false): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return pythonStringRepr(value);
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => pythonRepr(v));
    if (!tuple) return `[${items.join(", ")}]`;
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.entries(value).map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`);
    return `{${entries.join(", ")}}`;
  }
  return describeValue(value);
}

function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const ch of s) {
    if (ch === "\\") out += "\\\\";
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * A short, safe description of any value for error messages, in Python's repr style for objects
 * (`<Map object at 0x1>`), so Python and TypeScript callers read the same shape.
 */
export function describeValue(value: unknown): string {
  if (typeof value === "function") return `<function ${value.name || "<anonymous>"} at ${addressOf(value)}>`;
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `<${typeof name === "string" && name ? name : "object"} object at ${addressOf(value)}>`;
}

// Stable pseudo-addresses, so two mentions of one object in a log line agree.
const addresses = new WeakMap<object, string>();
let nextAddress = 0x1000;
function addressOf(value: object): string {
  let address = addresses.get(value);
  if (address === undefined) {
    address = `0x${(nextAddress++).toString(16)}`;
    addresses.set(value, address);
  }
  return address;
}

/**
 * The errors that cross the wire with Nameko's names and `exc_path`s, so Python services raise
 * and catch them as their own (`wire-error.ts` maps them to and from the wire format).
 */
import { describeValue, pythonStr } from "./python-text.js";

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

/**
 * The caller's deadline had passed: a service refused to start a call nobody waits for any more
 * (an `@rpc({ refuseExpired: true })` method), or a call made inside a worker had no time left
 * to be sent. Registered as `enoki.exceptions.DeadlineExceeded`; a Python caller gets a
 * `RemoteError` with `exc_type` `DeadlineExceeded`.
 */
export class DeadlineExceeded extends ServiceError {}

/**
 * An `@rpc({ retry })` call failed on its last attempt: the caller gets this instead of the
 * method's error, as nameko-amqp-retry's callers get its `Backoff.Expired`, with the same type
 * name, message (`Backoff aborted after '<retries>' retries (~<seconds> seconds)`) and
 * `exc_path` (`nameko_amqp_retry.backoff.Expired`).
 */
export class Expired extends ServiceError {}

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

/**
 * Errors on the wire: `{exc_type, exc_path, exc_args, value}`, exactly as Nameko writes them.
 */

import { setOwn } from "../util/set-own.js";
import { describeValue } from "./python-text.js";
import {
  DeadlineExceeded,
  Expired,
  IncorrectSignature,
  MalformedRequest,
  MethodNotFound,
  RemoteError,
  ServiceError,
  UnserializableValueError,
} from "./remote-errors.js";

/** The error dict of an RPC reply. */
export interface WireError {
  exc_type: string;
  exc_path: string;
  exc_args: unknown[];
  value: string;
}

/** An error class that can be rebuilt from its wire `exc_args`. */
// biome-ignore lint/suspicious/noExplicitAny: rebuilt from arbitrary remote args
export type RemoteErrorClass = new (...args: any[]) => Error;

const NAMEKO = "nameko.exceptions";
const byPath = new Map<string, RemoteErrorClass>();
const pathOf = new Map<Function, string>();

/**
 * Registers an error class under a wire `exc_path`, in both directions: errors of this class are
 * sent with that path, and errors arriving with that path are rebuilt as this class (with the
 * remote `exc_args` as constructor arguments). Nameko's `@deserialize_to_instance`.
 *
 * @example
 * class NotFound extends ServiceError {}
 * registerRemoteError(NotFound, "airports.NotFound");
 */
export function registerRemoteError(cls: RemoteErrorClass, excPath: string): void {
  byPath.set(excPath, cls);
  pathOf.set(cls, excPath);
}

registerRemoteError(MalformedRequest, `${NAMEKO}.MalformedRequest`);
registerRemoteError(MethodNotFound, `${NAMEKO}.MethodNotFound`);
registerRemoteError(IncorrectSignature, `${NAMEKO}.IncorrectSignature`);
registerRemoteError(UnserializableValueError, `${NAMEKO}.UnserializableValueError`);
// Enoki's own: Nameko has no deadlines.
registerRemoteError(DeadlineExceeded, "enoki.exceptions.DeadlineExceeded");
// nameko-amqp-retry's, so that callers of either tell it the same way.
registerRemoteError(Expired, "nameko_amqp_retry.backoff.Expired");

// JavaScript's built-in errors, sent as the nearest Python builtin so Python callers see a
// familiar exc_type.
const BUILTINS = new Map<Function, string>([
  [Error, "Exception"],
  [TypeError, "TypeError"],
  [RangeError, "ValueError"],
  [SyntaxError, "SyntaxError"],
  [ReferenceError, "NameError"],
  [URIError, "ValueError"],
  [EvalError, "Exception"],
]);

/**
 * Builds the wire form of anything thrown by a worker. `module` is the namespace used for the
 * `exc_path` of unregistered classes (Nameko uses the Python module; Enoki uses the service name).
 */
export function toWireError(err: unknown, module: string): WireError {
  if (!(err instanceof Error)) {
    const value = typeof err === "string" ? err : describeValue(err);
    return { exc_type: "Exception", exc_path: "builtins.Exception", exc_args: [value], value };
  }
  const ctor = err.constructor as Function & { excPath?: unknown };
  const builtin = BUILTINS.get(ctor);
  if (builtin !== undefined) {
    return {
      exc_type: builtin,
      exc_path: `builtins.${builtin}`,
      exc_args: [err.message],
      value: err.message,
    };
  }
  const excType = ctor.name || err.name || "Exception";
  const excPath =
    pathOf.get(ctor) ?? (typeof ctor.excPath === "string" ? ctor.excPath : `${module}.${excType}`);
  const args = err instanceof ServiceError ? err.args.map(safeForSerialization) : [err.message];
  return { exc_type: excType, exc_path: excPath, exc_args: args, value: err.message };
}

/**
 * Rebuilds an error from its wire form: an instance of the registered class for a known
 * `exc_path`, otherwise a {@link RemoteError} carrying the remote type and value. Its stack is
 * `Name: message` and one line `at <exc_path> (raised by the remote service)`: Nameko's wire
 * carries no traceback, and stack parsers will read that line as a frame.
 */
export function fromWireError(wire: unknown): Error {
  const w = (typeof wire === "object" && wire !== null ? wire : {}) as Partial<
    Record<keyof WireError, unknown>
  >;
  const excType = typeof w.exc_type === "string" ? w.exc_type : "Exception";
  const excPath = typeof w.exc_path === "string" ? w.exc_path : undefined;
  const excArgs = Array.isArray(w.exc_args) ? w.exc_args : [];
  const value = typeof w.value === "string" ? w.value : String(w.value ?? "");
  const cls = excPath === undefined ? undefined : byPath.get(excPath);
  const error =
    (cls === undefined ? undefined : rebuild(cls, excArgs, value)) ??
    new RemoteError(excType, value, excPath, excArgs);
  return withRemoteStack(error, excPath ?? excType);
}

/** An instance of a registered class, or `undefined` if its constructor refuses the remote args. */
function rebuild(cls: RemoteErrorClass, excArgs: unknown[], value: string): Error | undefined {
  try {
    const error = new cls(...excArgs);
    // Classes with custom constructors may not reproduce the remote text; the remote one wins.
    if (error.message !== value) error.message = value;
    return error;
  } catch {
    return undefined;
  }
}

/**
 * The stack captured here would show only the reply's path through Enoki and amqplib, never the
 * caller's code: it says where the error really came from instead.
 */
function withRemoteStack(error: Error, origin: string): Error {
  error.stack = `${error.name}: ${error.message}\n    at ${origin} (raised by the remote service)`;
  return error;
}

/**
 * Nameko's `safe_for_serialization`: strings stay, mappings keep their shape, other iterables
 * become lists, and everything else becomes its string form (`42` → `"42"`).
 */
export function safeForSerialization(value: unknown): unknown {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(safeForSerialization);
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) setOwn(out, pythonKey(k), safeForSerialization(v));
    return out;
  }
  if (value instanceof Set) return [...value].map(safeForSerialization);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, safeForSerialization(v));
    return out;
  }
  return pythonScalarStr(value);
}

function pythonKey(key: unknown): string {
  return typeof key === "string" ? key : pythonScalarStr(key);
}

function pythonScalarStr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (value instanceof Error) return value.message;
  if (typeof value === "object" || typeof value === "function" || typeof value === "symbol") {
    return describeValue(value);
  }
  return String(value);
}

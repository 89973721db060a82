/**
 * Keyword arguments for calls to Python services, whose methods take `name=value` arguments.
 */
const KWARGS = Symbol.for("enoki.kwargs");

/** A marker object carrying keyword arguments; pass it as the last argument of a call. */
export interface Kwargs {
  readonly [KWARGS]: Readonly<Record<string, unknown>>;
}

/**
 * Marks keyword arguments for an RPC call: sent as the request's `kwargs`, while the other
 * arguments go in `args`. Python services bind them by name, and so do Enoki services.
 *
 * @example
 * await n.rpc.greeting_service.hello(kwargs({ name: "world" })); // hello(name='world')
 */
export function kwargs(values: Readonly<Record<string, unknown>>): Kwargs {
  return Object.freeze({ [KWARGS]: values });
}

/** Splits call arguments into positional `args` and `kwargs`. */
export function splitArguments(args: readonly unknown[]): {
  args: unknown[];
  kwargs: Record<string, unknown>;
} {
  const last = args[args.length - 1];
  if (typeof last === "object" && last !== null && KWARGS in last) {
    return { args: args.slice(0, -1), kwargs: { ...(last as Kwargs)[KWARGS] } };
  }
  return { args: args as unknown[], kwargs: {} }; // a rest parameter's array: already a copy
}

/**
 * Arguments and results on spans: never by default (they hold secrets), opt in per entrypoint.
 * What is recorded is redacted as Nameko's `sensitive_arguments` redacts (a named argument, or a
 * path into one: `password`, `card.number`, `items[0]`) and truncated, under the attribute names
 * opentelemetry-instrumentation-nameko uses (`call_args`, `call_args_redacted`,
 * `call_args_truncated`, `result`, `result_truncated`).
 */
import type { Attributes } from "@opentelemetry/api";

/** What an entrypoint puts on its span. The defaults record neither arguments nor result. */
export interface SpanPayloadOptions {
  /** Record the call's arguments, by name, as `call_args`. */
  readonly traceArgs?: boolean;
  /** Record the method's result as `result`. */
  readonly traceResult?: boolean;
  /**
   * Arguments (or paths into them: `user.password`, `cards[0]`) whose values are replaced by
   * `********` wherever Enoki records the arguments (Nameko's `sensitive_arguments`).
   */
  readonly sensitiveArguments?: readonly string[];
}

/** {@link SpanPayloadOptions} with the names of the method's parameters, as an entrypoint has them. */
export interface SpanPayload extends SpanPayloadOptions {
  /** Parameter names, in order; an argument without one is recorded by its position. */
  readonly argumentNames: readonly (string | undefined)[];
}

/** Nameko's replacement for a redacted value. */
export const REDACTED = "********";
/** Longest recorded value, in characters (the instrumentation's default). */
export const TRUNCATE_LENGTH = 200;

/** The attributes describing a call's arguments. */
export function argumentAttributes(payload: SpanPayload, args: readonly unknown[]): Attributes {
  const named: Record<string, unknown> = {};
  args.forEach((value, i) => {
    named[payload.argumentNames[i] ?? String(i)] = value;
  });
  const sensitive = payload.sensitiveArguments ?? [];
  const redacted = sensitive.length > 0;
  const [text, truncated] = truncate(describe(redacted ? redact(named, sensitive) : named));
  return {
    call_args: text,
    call_args_redacted: pythonBool(redacted),
    call_args_truncated: pythonBool(truncated),
  };
}

/** The attributes describing a method's result. */
export function resultAttributes(result: unknown): Attributes {
  const [text, truncated] = truncate(describe(result ?? ""));
  return { result: text, result_truncated: pythonBool(truncated) };
}

/** `args` with the values at `paths` replaced by {@link REDACTED}; `args` is left unchanged. */
export function redact(
  args: Readonly<Record<string, unknown>>,
  paths: readonly string[],
): Record<string, unknown> {
  const copy = structuredCloneSafe(args);
  for (const path of paths) redactPath(copy, parsePath(path));
  return copy;
}

/** `a.b[0].c` → `["a", "b", 0, "c"]`. */
function parsePath(path: string): (string | number)[] {
  const steps: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    steps.push(match[2] === undefined ? (match[1] as string) : Number(match[2]));
  }
  return steps;
}

function redactPath(target: unknown, steps: readonly (string | number)[]): void {
  let node = target;
  for (let i = 0; i < steps.length; i++) {
    if (node === null || typeof node !== "object") return;
    const step = steps[i] as string | number;
    const holder = node as Record<string | number, unknown>;
    if (!Object.hasOwn(holder, step)) return;
    if (i === steps.length - 1) holder[step] = REDACTED;
    else node = holder[step];
  }
}

/**
 * A deep copy of plain data, so redaction never touches the worker's own arguments. Values that
 * cannot be copied (functions, sockets) are not recorded at all rather than risk a secret.
 */
function structuredCloneSafe(value: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    try {
      copy[key] = structuredClone(v);
    } catch {
      copy[key] = "<not recordable>";
    }
  }
  return copy;
}

/** JSON where it can be, a string otherwise: never throws. */
function describe(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return (
      JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

function truncate(text: string): [string, boolean] {
  return text.length > TRUNCATE_LENGTH ? [text.slice(0, TRUNCATE_LENGTH), true] : [text, false];
}

/** A flag as the Nameko instrumentation writes it (`str(True)`), so mixed fleets query alike. */
export function pythonBool(flag: boolean): "True" | "False" {
  return flag ? "True" : "False";
}

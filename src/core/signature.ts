/**
 * Method signatures for RPC: which parameters a method has, and how Nameko-style `args` and
 * `kwargs` bind to them.
 *
 * TypeScript types are erased, so the parameter list is read from the method's source text once,
 * when the decorator runs. A parameter is optional when it has a default value (`greeting =
 * "Hello"`); TypeScript's `greeting?: string` leaves no trace at runtime, so it counts as required.
 */
import { IncorrectSignature } from "../wire/remote-errors.js";

/** One parameter of a method. */
export interface Parameter {
  /** Its name, or `undefined` for a destructuring pattern (positional only). */
  readonly name: string | undefined;
  readonly hasDefault: boolean;
  readonly rest: boolean;
}

/** A method's name and parameters. */
export interface Signature {
  readonly method: string;
  readonly params: readonly Parameter[];
}

const WRAPPED = new WeakMap<Function, Function>();

/**
 * Marks `wrapper` as standing for `original` (a method decorator's replacement, such as
 * `@idempotent`'s), so that an entrypoint decorator applied after it reads the original's
 * parameters rather than the wrapper's `(...args)`: decorators then work in either order.
 */
export function markWrapper(wrapper: Function, original: Function): void {
  WRAPPED.set(wrapper, original);
}

/** Reads the parameter list of a function from its source (a wrapper's: its original's). */
export function parseParameters(fn: Function): Parameter[] {
  let target = fn;
  for (let inner = WRAPPED.get(target); inner !== undefined; inner = WRAPPED.get(target)) target = inner;
  const source = Function.prototype.toString.call(target);
  const list = parameterListSource(source);
  if (list === undefined) return [];
  return splitTopLevel(list)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map(parseParameter);
}

function parseParameter(text: string): Parameter {
  const rest = text.startsWith("...");
  const body = rest ? text.slice(3).trim() : text;
  const eq = indexOfTopLevel(body, "=");
  const target = (eq === -1 ? body : body.slice(0, eq)).trim();
  const name = /^[A-Za-z_$][\w$]*$/.test(target) ? target : undefined;
  return { name, hasDefault: eq !== -1, rest };
}

/** The text between the parentheses of the parameter list (or a bare arrow parameter). */
function parameterListSource(source: string): string | undefined {
  const open = findTopLevel(source, "(", 0);
  if (open === -1) {
    const arrow = source.indexOf("=>");
    return arrow === -1 ? undefined : source.slice(0, arrow).replace(/^async\s+/, "");
  }
  const close = matchingClose(source, open);
  return close === -1 ? undefined : source.slice(open + 1, close);
}

// A small scanner aware of strings, template literals, comments and bracket nesting: enough for
// default values such as `sep = ")"` or `opts = { a: [1, 2] }`.
function scan(
  source: string,
  from: number,
  visit: (ch: string, i: number, depth: number) => boolean,
): number {
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const ch = source[i] as string;
    if (ch === '"' || ch === "'" || ch === "`") {
      i = skipString(source, i, ch);
      continue;
    }
    if (ch === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end === -1 ? source.length : end;
      continue;
    }
    if (ch === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end === -1 ? source.length : end + 1;
      continue;
    }
    if (visit(ch, i, depth)) return i;
    if (ch === "(" || ch === "[" || ch === "{") depth++;
    else if (ch === ")" || ch === "]" || ch === "}") depth--;
  }
  return -1;
}

function skipString(source: string, start: number, quote: string): number {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === quote) return i;
  }
  return source.length;
}

function findTopLevel(source: string, target: string, from: number): number {
  return scan(source, from, (ch, _i, depth) => depth === 0 && ch === target);
}

function matchingClose(source: string, open: number): number {
  return scan(source, open, (ch, _i, depth) => depth === 1 && ch === ")");
}

function indexOfTopLevel(text: string, target: string): number {
  return scan(
    text,
    0,
    (ch, i, depth) => depth === 0 && ch === target && text[i + 1] !== ">" && text[i + 1] !== "=",
  );
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let start = 0;
  scan(list, 0, (ch, i, depth) => {
    if (depth === 0 && ch === ",") {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
    return false;
  });
  parts.push(list.slice(start));
  return parts;
}

/**
 * Binds positional `args` and keyword `kwargs` to a method's parameters, the way Python calls
 * `method(*args, **kwargs)`. Returns the positional argument list for the JavaScript method;
 * throws {@link IncorrectSignature} with Python's wording when they do not fit.
 */
export function bindArguments(
  sig: Signature,
  args: readonly unknown[],
  kwargs: Record<string, unknown>,
): unknown[] {
  // The common case, on the hot path: positional arguments only, as many as fit.
  const shape = shapeOf(sig.params);
  if (shape.restIndex === -1 && args.length >= shape.required && args.length <= sig.params.length) {
    if (isEmpty(kwargs)) return args as unknown[];
  }
  const { params, method } = sig;
  const restIndex = shape.restIndex;
  const positional = restIndex === -1 ? params.length : restIndex;
  if (restIndex === -1 && args.length > positional) {
    throw new IncorrectSignature(tooManyPositional(method, params, args.length));
  }
  // Dense, so parameters left out are `undefined` and take their default values.
  const bound: unknown[] = Array.from(
    { length: Math.min(positional, Math.max(args.length, params.length)) },
    (_, i) => (i < args.length ? args[i] : undefined),
  );
  const given: boolean[] = params.map((_, i) => i < args.length && i < positional);
  for (const key of Object.keys(kwargs)) {
    const index = params.findIndex((p, i) => i < positional && p.name === key);
    if (index === -1) throw new IncorrectSignature(`${method}() got an unexpected keyword argument '${key}'`);
    if (given[index]) throw new IncorrectSignature(`${method}() got multiple values for argument '${key}'`);
    bound[index] = kwargs[key];
    given[index] = true;
  }
  const missing = params.filter((p, i) => i < positional && !p.hasDefault && !given[i]);
  if (missing.length > 0) throw new IncorrectSignature(missingMessage(method, missing));
  if (restIndex !== -1) {
    bound.length = positional;
    bound.push(...args.slice(positional));
  }
  return bound;
}

function tooManyPositional(method: string, params: readonly Parameter[], given: number): string {
  const max = params.length;
  const min = params.filter((p) => !p.hasDefault).length;
  const takes = min === max ? `${max}` : `from ${min} to ${max}`;
  const noun = max === 1 && min === max ? "argument" : "arguments";
  return `${method}() takes ${takes} positional ${noun} but ${given} ${given === 1 ? "was" : "were"} given`;
}

function missingMessage(method: string, missing: readonly Parameter[]): string {
  const names = missing.map((p) => `'${p.name ?? "<pattern>"}'`);
  const list =
    names.length === 1
      ? names[0]
      : names.length === 2
        ? `${names[0]} and ${names[1]}`
        : `${names.slice(0, -1).join(", ")}, and ${names[names.length - 1]}`;
  const noun = names.length === 1 ? "argument" : "arguments";
  return `${method}() missing ${names.length} required positional ${noun}: ${list}`;
}

interface Shape {
  readonly restIndex: number;
  /** Positional arguments every call must give: those before the last one without a default. */
  readonly required: number;
}

const shapes = new WeakMap<readonly Parameter[], Shape>();

function shapeOf(params: readonly Parameter[]): Shape {
  let shape = shapes.get(params);
  if (shape === undefined) {
    const restIndex = params.findIndex((p) => p.rest);
    let required = 0;
    params.forEach((p, i) => {
      if (!p.rest && !p.hasDefault) required = i + 1;
    });
    shape = { restIndex, required };
    shapes.set(params, shape);
  }
  return shape;
}

function isEmpty(record: Record<string, unknown>): boolean {
  for (const _ in record) return false;
  return true;
}

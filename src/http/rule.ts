/**
 * werkzeug URL rules (`/airport/<string:airport_id>`, `/item/<int:id>`, `/files/<path:rest>`),
 * compiled to find-my-way route patterns.
 *
 * Converters, as in werkzeug: `string` (the default; `minlength`, `maxlength`, `length`), `int`
 * (`fixed_digits`, `min`, `max`, `signed`), `float` (`min`, `max`, `signed`), `path` (matches
 * slashes; only at the end of a rule), `uuid`, `any(a, b, ...)`. find-my-way tries static
 * segments first, then converters with a pattern (`int`, `float`, `uuid`, `any`, a `string` with
 * length arguments), then a plain `string`, then `path`, so `/item/<int:id>` and
 * `/item/<name>` coexist as in werkzeug.
 *
 * Checks that a pattern cannot express (an `int` outside `min`/`max`, an empty `string`) run after
 * matching; a value that fails them is a 404, without trying other rules.
 *
 * One limit comes from find-my-way: two rules that differ only in the patterns of a variable at
 * the same place (`/x/<int:id>` and `/x/<uuid:id>`) count as the same rule. A patterned and a
 * plain variable (`<int:id>` and `<name>`) are fine.
 */
import { ConfigurationError } from "../util/enoki-error.js";

/** Route parameters after conversion: `int` and `float` give numbers, the rest strings. */
export type RouteParams = Readonly<Record<string, string | number>>;

/** A rule compiled for the router. */
export interface CompiledRule {
  /** The rule as written. */
  readonly rule: string;
  /** The find-my-way pattern. */
  readonly pattern: string;
  /** The pattern as find-my-way compares rules: variable names and patterns left out. */
  readonly shape: string;
  /** Variable names in rule order. */
  readonly variables: readonly string[];
  /** Converts the router's raw values; `undefined` when a value fails its converter. */
  convert(raw: Readonly<Record<string, string | undefined>>): RouteParams | undefined;
}

type ArgValue = string | number | boolean | null;

interface Converter {
  /** Pattern for the value, without anchors or capture group; `undefined` for a plain parameter. */
  readonly regex: string | undefined;
  /** Matches the rest of the URL, slashes included. */
  readonly wildcard: boolean;
  /** The value for the handler, or `undefined` if the raw text does not fit. */
  toValue(raw: string): string | number | undefined;
}

interface Variable {
  readonly name: string;
  readonly converter: Converter;
}

type Part = string | Variable;

// werkzeug's rule syntax: static text, then <converter(args):name> or <name>.
const VARIABLE = /<(?:([A-Za-z_]\w*)(?:\((.*?)\))?:)?([A-Za-z_]\w*)>/g;
const WILDCARD_PARAM = "*";

/**
 * Parses a werkzeug rule.
 * @throws ConfigurationError for a malformed rule, an unknown converter or bad converter arguments.
 * @example
 * parseRule("/airport/<string:airportId>").pattern; // "/airport/:airportId"
 * parseRule("/item/<int:id>").convert({ id: "42" }); // { id: 42 }
 */
export function parseRule(rule: string): CompiledRule {
  if (!rule.startsWith("/")) throw ruleError(rule, "it must start with a slash");
  if (rule.includes("?") || rule.includes("#")) throw ruleError(rule, "it must not contain ? or #");
  const segments = splitSegments(rule, tokenize(rule));
  const variables = segments.flat().filter((p): p is Variable => typeof p !== "string");
  const names = variables.map((v) => v.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw ruleError(rule, `variable ${duplicate} appears twice`);
  const pattern = segments.map((s) => segmentPattern(rule, s)).join("/");
  const shape = pattern.replace(/:\w+(\(\^.*?\$\))?/g, (_m, regex) => (regex ? ":()" : ":"));
  return { rule, pattern, shape, variables: names, convert: (raw) => convert(variables, raw) };
}

function tokenize(rule: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of rule.matchAll(VARIABLE)) {
    if (match.index > last) parts.push(rule.slice(last, match.index));
    const [, converterName = "default", args, name] = match;
    parts.push({ name: name as string, converter: makeConverter(rule, converterName, args) });
    last = match.index + match[0].length;
  }
  if (last < rule.length) parts.push(rule.slice(last));
  for (const part of parts) {
    if (typeof part === "string" && (part.includes("<") || part.includes(">"))) {
      throw ruleError(rule, `cannot read ${JSON.stringify(part)}: write variables as <converter:name>`);
    }
  }
  return parts;
}

/** Splits the parts at slashes in static text: one list of parts per URL segment. */
function splitSegments(rule: string, parts: Part[]): Part[][] {
  const segments: Part[][] = [[]];
  for (const part of parts) {
    if (typeof part !== "string") {
      segments[segments.length - 1]?.push(part);
      continue;
    }
    part.split("/").forEach((text, i) => {
      if (i > 0) segments.push([]);
      if (text !== "") segments[segments.length - 1]?.push(text);
    });
  }
  const wildcardAt = segments.findIndex((s) => s.some((p) => typeof p !== "string" && p.converter.wildcard));
  if (wildcardAt !== -1) {
    const segment = segments[wildcardAt] as Part[];
    if (wildcardAt !== segments.length - 1 || typeof segment[segment.length - 1] === "string") {
      throw ruleError(rule, "a <path:...> variable can only end the rule");
    }
  }
  return segments;
}

function segmentPattern(rule: string, parts: Part[]): string {
  const compound = parts.length > 1;
  return parts
    .map((part) => {
      if (typeof part === "string") return escapeStatic(rule, part);
      const { converter, name } = part;
      if (converter.wildcard) return WILDCARD_PARAM;
      // A plain parameter alone in its segment stays plain, so patterned ones take precedence.
      // Next to static text or another variable, every variable needs an explicit pattern.
      const regex = converter.regex ?? (compound ? "[^/]+?" : undefined);
      return regex === undefined ? `:${name}` : `:${name}(^${regex}$)`;
    })
    .join("");
}

function escapeStatic(rule: string, text: string): string {
  if (text.includes("*")) throw ruleError(rule, "a literal * is not supported in rules");
  return text.replaceAll(":", "::");
}

function convert(
  variables: readonly Variable[],
  raw: Readonly<Record<string, string | undefined>>,
): RouteParams | undefined {
  const params: Record<string, string | number> = {};
  for (const { name, converter } of variables) {
    const text = raw[converter.wildcard ? WILDCARD_PARAM : name];
    if (text === undefined) return undefined;
    const value = converter.toValue(text);
    if (value === undefined) return undefined;
    params[name] = value;
  }
  return params;
}

// --- converters ---------------------------------------------------------------------------------

function makeConverter(rule: string, name: string, argText: string | undefined): Converter {
  const args = parseArgs(rule, argText ?? "");
  switch (name) {
    case "default":
    case "string":
      return stringConverter(bind(rule, name, args, ["minlength", "maxlength", "length"]));
    case "int":
      return numberConverter(true, bind(rule, name, args, ["fixed_digits", "min", "max", "signed"]));
    case "float":
      return numberConverter(false, bind(rule, name, args, ["min", "max", "signed"]));
    case "path":
      bind(rule, name, args, []);
      return {
        regex: undefined,
        wildcard: true,
        toValue: (raw) => (raw === "" || raw.startsWith("/") ? undefined : raw),
      };
    case "uuid":
      bind(rule, name, args, []);
      return { regex: UUID, wildcard: false, toValue: (raw) => raw };
    case "any":
      return anyConverter(rule, args);
    default:
      throw ruleError(rule, `unknown converter ${name}: use string, int, float, path, uuid or any`);
  }
}

const UUID = "[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}";

function stringConverter(args: Record<string, ArgValue>): Converter {
  const length = optionalInt(args.length);
  const min = length ?? optionalInt(args.minlength) ?? 1;
  const max = length ?? optionalInt(args.maxlength);
  const plain = args.length === undefined && args.minlength === undefined && args.maxlength === undefined;
  const regex = plain ? undefined : `[^/]{${min},${max ?? ""}}`;
  return {
    regex,
    wildcard: false,
    toValue: (raw) => (raw.length < min || (max !== undefined && raw.length > max) ? undefined : raw),
  };
}

function numberConverter(integer: boolean, args: Record<string, ArgValue>): Converter {
  const digits = optionalInt(args.fixed_digits) ?? 0;
  const sign = args.signed === true ? "-?" : "";
  const regex = integer ? `${sign}\\d${digits > 0 ? `{${digits}}` : "+"}` : `${sign}\\d+\\.\\d+`;
  const min = optionalNumber(args.min);
  const max = optionalNumber(args.max);
  return {
    regex,
    wildcard: false,
    toValue(raw) {
      const value = Number(raw);
      // A value JavaScript cannot hold exactly is not silently rounded into another id.
      if (integer && !Number.isSafeInteger(value)) return undefined;
      if (!Number.isFinite(value)) return undefined;
      if ((min !== undefined && value < min) || (max !== undefined && value > max)) return undefined;
      return value;
    },
  };
}

function anyConverter(rule: string, args: ParsedArgs): Converter {
  if (Object.keys(args.named).length > 0 || args.positional.length === 0) {
    throw ruleError(rule, "any() takes the accepted values, such as any(GET, POST)");
  }
  const items = args.positional.map(String);
  const regex = `(?:${items.map(escapeRegex).join("|")})`;
  return { regex, wildcard: false, toValue: (raw) => (items.includes(raw) ? raw : undefined) };
}

function optionalInt(value: ArgValue | undefined): number | undefined {
  return value === undefined || value === null ? undefined : (value as number);
}

function optionalNumber(value: ArgValue | undefined): number | undefined {
  return value === undefined || value === null ? undefined : (value as number);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

// --- converter arguments: Python-style literals, as werkzeug reads them -------------------------

interface ParsedArgs {
  readonly positional: ArgValue[];
  readonly named: Record<string, ArgValue>;
}

const ARG = /^(?:([A-Za-z_]\w*)\s*=\s*)?(.+)$/s;

function parseArgs(rule: string, text: string): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], named: {} };
  if (text.trim() === "") return parsed;
  for (const item of splitArgs(text)) {
    const match = ARG.exec(item.trim());
    if (match === null) throw ruleError(rule, `cannot read converter argument ${JSON.stringify(item)}`);
    const [, key, valueText] = match;
    const value = parseValue((valueText as string).trim());
    if (key === undefined) {
      if (Object.keys(parsed.named).length > 0)
        throw ruleError(rule, "positional argument after a named one");
      parsed.positional.push(value);
    } else {
      parsed.named[key] = value;
    }
  }
  return parsed;
}

function splitArgs(text: string): string[] {
  const items: string[] = [];
  let current = "";
  let quote: string | undefined;
  for (const ch of text) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ",") {
      items.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current.trim() !== "") items.push(current);
  return items;
}

function parseValue(text: string): ArgValue {
  if (text === "True") return true;
  if (text === "False") return false;
  if (text === "None") return null;
  if (/^-?\d+(?:\.\d*)?$/.test(text)) return Number(text);
  const quoted = /^[urUR]?(["'])(.*)\1$/s.exec(text);
  return quoted ? (quoted[2] as string) : text;
}

// The type each converter argument must have (None is accepted for all, meaning "not set").
const ARG_TYPES: Readonly<Record<string, "int" | "number" | "boolean">> = {
  minlength: "int",
  maxlength: "int",
  length: "int",
  fixed_digits: "int",
  min: "number",
  max: "number",
  signed: "boolean",
};

function checkType(rule: string, converter: string, key: string, value: ArgValue): void {
  const type = ARG_TYPES[key];
  const ok =
    value === null ||
    (type === "int" && Number.isInteger(value) && (value as number) >= 0) ||
    (type === "number" && typeof value === "number") ||
    (type === "boolean" && typeof value === "boolean");
  if (!ok) throw ruleError(rule, `${converter} argument ${key} must be ${ARG_HINTS[type ?? "int"]}`);
}

const ARG_HINTS = { int: "a non-negative integer", number: "a number", boolean: "True or False" };

/** Binds parsed arguments to a converter's parameters, in werkzeug's order. */
function bind(rule: string, converter: string, args: ParsedArgs, params: readonly string[]) {
  if (args.positional.length > params.length) {
    throw ruleError(rule, `${converter} takes at most ${params.length} argument(s)`);
  }
  const bound: Record<string, ArgValue> = {};
  args.positional.forEach((value, i) => {
    bound[params[i] as string] = value;
  });
  for (const [key, value] of Object.entries(args.named)) {
    if (!params.includes(key)) {
      const known = params.length > 0 ? `: use ${params.join(", ")}` : "";
      throw ruleError(rule, `${converter} has no argument ${key}${known}`);
    }
    bound[key] = value;
  }
  for (const [key, value] of Object.entries(bound)) checkType(rule, converter, key, value);
  return bound;
}

function ruleError(rule: string, reason: string): ConfigurationError {
  return new ConfigurationError(`Invalid URL rule ${JSON.stringify(rule)}: ${reason}`);
}

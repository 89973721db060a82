/**
 * Config files: YAML read the way Nameko reads it, so one `config.yml` serves Python and
 * TypeScript services. That means PyYAML's scalars (YAML 1.1: `yes` is true, `0777` is octal) and
 * Nameko's environment substitution:
 *
 * - a plain scalar containing `${...}` is substituted (`${NAME}`, `${NAME:default}`, nested
 *   `${A:${B:x}}`), and the result is parsed again as YAML, so `${PORT:8000}` is the number 8000;
 * - `!env_var` substitutes a quoted scalar too; `!raw_env_var` substitutes without parsing again;
 * - a value with nothing to substitute is kept as written.
 *
 * Every error names the file, the line and the key.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import type {
  Document,
  DocumentOptions,
  LineCounter,
  Node,
  ParseOptions,
  Scalar,
  SchemaOptions,
  Tags,
  YAMLError,
} from "yaml";
import { ConfigurationError } from "../util/enoki-error.js";
import { LOG_LEVELS } from "../util/logger.js";
import type { Config } from "./config.js";
import { checkConfig, configValue } from "./config-keys.js";

/** Environment variables to substitute from. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Options of {@link parseConfig} and {@link loadConfigFile}. */
export interface ConfigFileOptions {
  /** Where `${VAR}` values come from. Default: `process.env`. */
  env?: Environment;
  /** The file name used in error messages. Default: the path, or `<config>` for text. */
  filename?: string;
}

const ENV_VAR_TAG = "!env_var";
const RAW_ENV_VAR_TAG = "!raw_env_var";
// Nameko's implicit resolver: `re.match(r".*\$\{.*\}.*")`, anchored at the start, no newlines.
const IMPLICIT_ENV_VAR = /^.*\$\{.*\}/;
// A value whose substitution contains more references is parsed (and substituted) again, as
// Nameko's `yaml.safe_load` does; an environment variable referring to itself would never end.
const MAX_SUBSTITUTION_DEPTH = 8;

// The YAML library is 70-odd modules: loaded on the first config read, not by every process that
// imports Enoki (a service run without a config file never needs it).
let yamlModule: typeof import("yaml") | undefined;
function yaml(): typeof import("yaml") {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yamlModule;
}

// PyYAML's booleans: YAML 1.1's, without `y`/`n` (so keys `y:` and `n:` stay strings).
const pyTrue = {
  identify: (value: unknown) => value === true,
  default: true,
  tag: "tag:yaml.org,2002:bool",
  test: /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/,
  resolve: () => new (yaml().Scalar)(true),
};
const pyFalse = {
  identify: (value: unknown) => value === false,
  default: true,
  tag: "tag:yaml.org,2002:bool",
  test: /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/,
  resolve: () => new (yaml().Scalar)(false),
};
// Explicit tags keep their text here; substitution happens afterwards, where the line is known.
// `test` makes `stringifyConfig` quote strings that Nameko would substitute.
const envVarTag = {
  tag: ENV_VAR_TAG,
  default: true,
  identify: () => false,
  test: IMPLICIT_ENV_VAR,
  resolve: (text: string) => text,
};
const rawEnvVarTag = { tag: RAW_ENV_VAR_TAG, resolve: (text: string) => text };

const YAML_OPTIONS: DocumentOptions & ParseOptions & SchemaOptions = {
  version: "1.1",
  customTags: (tags: Tags) => [
    ...tags.filter((tag) => typeof tag === "string" || tag.tag !== "tag:yaml.org,2002:bool"),
    pyTrue,
    pyFalse,
    envVarTag,
    rawEnvVarTag,
  ],
  prettyErrors: false,
};

/**
 * Reads a YAML config file, substituting environment variables as Nameko does.
 *
 * @throws ConfigurationError naming the file, the line and the key of the problem.
 * @example
 * const config = await loadConfigFile("config.yml");
 * await using cluster = await connect({ config });
 */
export async function loadConfigFile(path: string, options: ConfigFileOptions = {}): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new ConfigurationError(`Cannot read config file ${path}: ${reason}`, { cause: err });
  }
  return parseConfig(text, { filename: path, ...options });
}

/**
 * Parses config text (YAML), substituting environment variables as Nameko does.
 *
 * @throws ConfigurationError naming the file, the line and the key of the problem.
 * @example
 * parseConfig("AMQP_URI: ${AMQP_URI:amqp://localhost}\nmax_workers: ${WORKERS:10}\n", { env: {} });
 * // { AMQP_URI: "amqp://localhost", max_workers: 10 }
 */
export function parseConfig(text: string, options: ConfigFileOptions = {}): Config {
  const lines = new (yaml().LineCounter)();
  const file = new ConfigSource(options.filename ?? "<config>", lines);
  const doc = yaml().parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
  file.assertValid(doc);
  new Substitution(options.env ?? process.env, (...args) => file.error(...args)).document(doc);
  const config: unknown = doc.toJS({ maxAliasCount: 1000 });
  if (config === null || config === undefined) return {};
  if (typeof config !== "object" || Array.isArray(config) || config instanceof Date) {
    throw file.error(
      doc.contents,
      [],
      `the config must be a mapping of keys to values, got ${typeName(config)}`,
    );
  }
  validateKeys(config as Config, doc, file);
  return config as Config;
}

/**
 * A config as YAML that Nameko and Enoki read back to the same values (strings that would
 * otherwise be read as booleans, numbers or `${...}` references are quoted).
 */
export function stringifyConfig(config: Config): string {
  return yaml().stringify(config, YAML_OPTIONS);
}

/** Error messages that point into one config file. */
class ConfigSource {
  readonly #name: string;
  readonly #lines: LineCounter;

  constructor(name: string, lines: LineCounter) {
    this.#name = name;
    this.#lines = lines;
  }

  /** Rejects YAML syntax errors and anything PyYAML's safe loader would refuse (unknown tags). */
  assertValid(doc: Document): void {
    const problem: YAMLError | undefined = doc.errors[0] ?? doc.warnings[0];
    if (problem === undefined) return;
    const offset = problem.pos[0];
    const inKey = problem.code === "DUPLICATE_KEY" ? "name-key" : "stop";
    throw this.errorAt(offset, keyPathAt(doc.contents, offset, inKey), firstLine(problem.message), problem);
  }

  /** An error located at a node (its first line), or at the top of the file. */
  error(node: unknown, keyPath: readonly string[], reason: string, cause?: unknown): ConfigurationError {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return this.errorAt(range?.[0], keyPath, reason, cause);
  }

  errorAt(
    offset: number | undefined,
    keyPath: readonly string[],
    reason: string,
    cause?: unknown,
  ): ConfigurationError {
    const parts = [this.#name];
    if (offset !== undefined) parts.push(`line ${this.#lines.linePos(offset).line}`);
    if (keyPath.length > 0) parts.push(`key ${formatKeyPath(keyPath)}`);
    return new ConfigurationError(`${parts.join(", ")}: ${reason}`, cause === undefined ? {} : { cause });
  }
}

/** Builds the error for a problem found at a node. */
type Locate = (
  node: unknown,
  keyPath: readonly string[],
  reason: string,
  cause?: unknown,
) => ConfigurationError;

/** Nameko's `${...}` substitution over a parsed document, in place. */
class Substitution {
  readonly #env: Environment;
  readonly #locate: Locate;
  readonly #depth: number;
  /** The reference in the file that led here, when substituting inside a substituted value. */
  readonly #origin: string | undefined;

  constructor(env: Environment, locate: Locate, origin?: { text: string; depth: number }) {
    this.#env = env;
    this.#locate = locate;
    this.#depth = origin?.depth ?? 0;
    this.#origin = origin?.text;
  }

  document(doc: Document): void {
    this.#node(doc.contents, []);
  }

  #node(node: unknown, keyPath: string[]): void {
    if (yaml().isMap(node)) {
      for (const pair of node.items) {
        this.#node(pair.key, keyPath);
        this.#node(pair.value, [...keyPath, keyName(pair.key)]);
      }
    } else if (yaml().isSeq(node)) {
      node.items.forEach((item, index) => {
        this.#node(item, [...keyPath, `[${index}]`]);
      });
    } else if (yaml().isScalar(node)) {
      this.#scalar(node, keyPath);
    } else if (node !== null && typeof node === "object" && !yaml().isAlias(node) && hasEnvTag(node)) {
      throw this.#locate(node, keyPath, `${(node as Node).tag} goes on a scalar, not a collection`);
    }
  }

  #scalar(node: Scalar, keyPath: string[]): void {
    const raw = node.tag === RAW_ENV_VAR_TAG;
    const implicit =
      node.tag === undefined &&
      node.type === yaml().Scalar.PLAIN &&
      typeof node.value === "string" &&
      IMPLICIT_ENV_VAR.test(node.value);
    if (!raw && !implicit && node.tag !== ENV_VAR_TAG) return;
    const text = String(node.value);
    const substituted = substituteEnv(text, this.#env);
    node.tag = undefined;
    if (substituted === text) return; // nothing to substitute: Nameko keeps the text as written
    node.value = raw ? substituted : this.#reparse(substituted, text, node, keyPath);
  }

  // Nameko parses the substituted text again with `yaml.safe_load`: this is where types come from.
  // Problems are reported at the scalar of the file, naming its reference, never the value (which
  // may be a secret).
  #reparse(substituted: string, text: string, node: Scalar, keyPath: string[]): unknown {
    const origin = this.#origin ?? text;
    // Whatever goes wrong inside the value is reported at this scalar of the file.
    const here: Locate = (_node, _keyPath, reason, cause) => this.#locate(node, keyPath, reason, cause);
    if (this.#depth >= MAX_SUBSTITUTION_DEPTH) {
      throw here(node, keyPath, `${origin}: environment variables refer to each other too deeply`);
    }
    const doc = yaml().parseDocument(substituted, YAML_OPTIONS);
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem !== undefined) {
      const reason = `the value of ${origin} is not valid YAML (${firstLine(problem.message)}); use !raw_env_var to keep it as text`;
      throw here(node, keyPath, reason, problem);
    }
    new Substitution(this.#env, here, { text: origin, depth: this.#depth + 1 }).document(doc);
    return doc.toJS({ maxAliasCount: 1000 });
  }
}

function hasEnvTag(node: object): boolean {
  const tag = (node as { tag?: unknown }).tag;
  return tag === ENV_VAR_TAG || tag === RAW_ENV_VAR_TAG;
}

/**
 * Replaces every `${NAME}` / `${NAME:default}` in `text` as Nameko does: a set variable wins (even
 * when empty); otherwise the default, itself substituted (`${A:${B:x}}`), or the empty string.
 * A malformed reference (`${}`, `${A B}`, no closing brace) is left as written.
 *
 * @example substituteEnv("amqp://${HOST:localhost}:${PORT:5672}", {}) // "amqp://localhost:5672"
 */
export function substituteEnv(text: string, env: Environment): string {
  let out = "";
  let index = 0;
  while (index < text.length) {
    const start = text.indexOf("${", index);
    if (start === -1) break;
    const ref = referenceAt(text, start);
    if (ref === undefined) {
      out += text.slice(index, start + 1);
      index = start + 1;
      continue;
    }
    out += text.slice(index, start) + resolveReference(ref, env);
    index = ref.end;
  }
  return out + text.slice(index);
}

interface Reference {
  readonly name: string;
  readonly fallback: string | undefined;
  /** Index just past the closing brace. */
  readonly end: number;
}

// Nameko's pattern (with the `regex` module): `\$\{([^{}:\s]+)(?::((?:[^{}]|\{(?2)\})*))?\}`,
// that is a name, then optionally `:` and a default whose braces balance.
function referenceAt(text: string, start: number): Reference | undefined {
  let index = start + 2;
  while (index < text.length && !/[{}:\s]/.test(text[index] as string)) index++;
  const name = text.slice(start + 2, index);
  if (name === "" || index >= text.length) return undefined;
  if (text[index] === "}") return { name, fallback: undefined, end: index + 1 };
  if (text[index] !== ":") return undefined;
  let depth = 0;
  for (let i = index + 1; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}") {
      if (depth === 0) return { name, fallback: text.slice(index + 1, i), end: i + 1 };
      depth--;
    }
  }
  return undefined;
}

function resolveReference(ref: Reference, env: Environment): string {
  const value = env[ref.name];
  if (value !== undefined) return value;
  let result = ref.fallback ?? "";
  while (IMPLICIT_ENV_VAR.test(result)) {
    const next = substituteEnv(result, env);
    if (next === result) break;
    result = next;
  }
  return result;
}

// A key set to null (`max_workers:`, or `${VAR}` with VAR unset) means "use the default"; every
// other value of a key in the table is checked where it is written.
function validateKeys(config: Config, doc: Document, file: ConfigSource): void {
  checkConfig(config, (_name, path, reason) => {
    throw file.error(nodeAt(doc.contents, path), path, reason);
  });
}

/**
 * The log level set by a config's `LOGGING` key, as a pino level: `LOGGING.level`, else Python's
 * `logging.config.dictConfig` root level `LOGGING.root.level`; `undefined` when neither is set.
 */
export function configLogLevel(config: Config): string | undefined {
  const level = configValue(config, "LOGGING.level") ?? configValue(config, "LOGGING.root.level");
  return level === undefined ? undefined : LOG_LEVELS[String(level).toLowerCase()];
}

function nodeAt(node: unknown, path: readonly string[]): unknown {
  for (const key of path) {
    if (!yaml().isMap(node)) return undefined;
    const pair = node.items.find((p) => keyName(p.key) === key);
    if (pair === undefined) return undefined;
    node = pair.value ?? pair.key;
  }
  return node;
}

/**
 * The keys leading to the innermost mapping entry whose value contains `offset`. An offset inside
 * a key names that key only for a duplicate key: otherwise the "key" is usually text the parser
 * misread as one (`x: \${X:{a: 1}}` reads as a mapping with key `\${X:{a`).
 */
function keyPathAt(node: unknown, offset: number, inKey: "name-key" | "stop", path: string[] = []): string[] {
  if (yaml().isMap(node)) {
    for (const pair of node.items) {
      const key = rangeOf(pair.key);
      const value = rangeOf(pair.value);
      if (key !== undefined && offset >= key[0] && offset < key[1]) {
        return inKey === "name-key" ? [...path, keyName(pair.key)] : path;
      }
      if (key !== undefined && offset >= key[0] && offset <= (value?.[2] ?? key[2])) {
        return keyPathAt(pair.value, offset, inKey, [...path, keyName(pair.key)]);
      }
    }
  } else if (yaml().isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const range = rangeOf(item);
      if (range && offset >= range[0] && offset <= range[2]) {
        return keyPathAt(item, offset, inKey, [...path, `[${index}]`]);
      }
    }
  }
  return path;
}

function rangeOf(node: unknown): readonly [number, number, number] | undefined {
  return (node as { range?: [number, number, number] } | null | undefined)?.range ?? undefined;
}

function keyName(key: unknown): string {
  return yaml().isScalar(key) ? String(key.value) : String(key);
}

function formatKeyPath(path: readonly string[]): string {
  return path.map((key, i) => (i === 0 || key.startsWith("[") ? key : `.${key}`)).join("");
}

function firstLine(message: string): string {
  return message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "") ?? message;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "a list";
  if (value instanceof Date) return "a date";
  return `a ${typeof value}`;
}

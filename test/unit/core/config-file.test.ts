// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` in strings is the subject here
/**
 * Config files as Nameko reads them: PyYAML's YAML 1.1 scalars and `${VAR:default}` substitution
 * (nameko-protocol.md §11.2), and errors that name the file, the line and the key.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { configLogLevel, stringifyConfig, substituteEnv } from "../../../src/core/config-file.js";
import { ConfigurationError, loadConfigFile, parseConfig } from "../../../src/index.js";

const parse = (text: string, env: Record<string, string> = {}) =>
  parseConfig(text, { env, filename: "config.yml" });

/** Asserts that parsing fails with exactly this message. */
function assertConfigError(text: string, message: string, env: Record<string, string> = {}): void {
  assert.throws(
    () => parse(text, env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigurationError, `not a ConfigurationError: ${err}`);
      assert.equal(err.message, message);
      return true;
    },
  );
}

test("a value from the environment is parsed again as YAML: that is where its type comes from", () => {
  const env = { N: "42", F: "1.5", B: "true", L: "[1, 2]", M: "{k: v, n: 3}", NUL: "null", S: "hello" };
  assert.deepEqual(parse("n: ${N}\nf: ${F}\nb: ${B}\nl: ${L}\nm: ${M}\nx: ${NUL}\ns: ${S}\n", env), {
    n: 42,
    f: 1.5,
    b: true,
    l: [1, 2],
    m: { k: "v", n: 3 },
    x: null,
    s: "hello",
  });
});

test("defaults: used when the variable is unset, may contain colons, and are typed too", () => {
  assert.deepEqual(
    parse(
      "port: ${PORT:8000}\nurl: ${URL:http://h:1/x}\nflag: ${FLAG:yes}\nlist: ${L:[1, 2]}\nnone: ${X:null}\n",
    ),
    { port: 8000, url: "http://h:1/x", flag: true, list: [1, 2], none: null },
  );
  // A set variable wins over the default, even when it is empty (which parses as null).
  assert.deepEqual(parse("port: ${PORT:8000}\nempty: ${E:default}\n", { PORT: "9000", E: "" }), {
    port: 9000,
    empty: null,
  });
});

test("unset without a default, or with an empty one, gives null", () => {
  assert.deepEqual(parse("a: ${UNSET}\nb: ${UNSET:}\n"), { a: null, b: null });
});

test("several references and surrounding text in one scalar", () => {
  const text =
    "uri: amqp://${USER:guest}:${PASS:guest}@${HOST:localhost}:${PORT:5672}/\nmix: pre-${A}-post\nboth: ${A}${B}\n";
  assert.deepEqual(parse(text, { A: "x", B: "7", HOST: "rabbit" }), {
    uri: "amqp://guest:guest@rabbit:5672/",
    mix: "pre-x-post",
    both: "x7",
  });
});

test("nested defaults: ${A:${B:fallback}}", () => {
  const text = "v: ${A:${B:deep}}\n";
  assert.deepEqual(parse(text), { v: "deep" });
  assert.deepEqual(parse(text, { B: "bar" }), { v: "bar" });
  assert.deepEqual(parse(text, { A: "top", B: "bar" }), { v: "top" });
  assert.deepEqual(parse('v: !env_var "${X:{a: 1, b: [2]}}"\n'), { v: { a: 1, b: [2] } });
});

test("quoted scalars are left alone unless tagged !env_var; !raw_env_var does not parse again", () => {
  const text = [
    'double: "${FOO}"',
    "single: '${FOO}'",
    'tagged: !env_var "${FOO:7}"',
    "raw: !raw_env_var ${N:123}",
    "rawset: !raw_env_var ${N:123}",
  ].join("\n");
  assert.deepEqual(parse(text, {}), {
    double: "${FOO}",
    single: "${FOO}",
    tagged: 7,
    raw: "123",
    rawset: "123",
  });
  assert.deepEqual(parse("raw: !raw_env_var ${N}\n", { N: "{a: 1}" }), { raw: "{a: 1}" });
});

test("YAML 1.1 as PyYAML reads it: yes/on are booleans, 0777 is octal, y and n stay strings", () => {
  const text = "a: yes\nb: Off\nc: 0777\nd: 010\ny: n\nn: y\ne: ${OCT}\nf: 2001-12-14\n";
  assert.deepEqual(parse(text, { OCT: "0042" }), {
    a: true,
    b: false,
    c: 511,
    d: 8,
    y: "n",
    n: "y",
    e: 34,
    f: new Date("2001-12-14T00:00:00Z"),
  });
});

test("merge keys, anchors and substituted keys", () => {
  const text =
    "base: &base\n  host: ${HOST:localhost}\n  port: 1\nother:\n  <<: *base\n  port: 2\n${KEY:name}: v\n";
  assert.deepEqual(parse(text, { KEY: "k" }), {
    base: { host: "localhost", port: 1 },
    other: { host: "localhost", port: 2 },
    k: "v",
  });
});

test("malformed references are kept as written, as Nameko does", () => {
  assert.deepEqual(parse("a: ${ A}\nb: x${}y\nc: '${A'\n"), { a: "${ A}", b: "x${}y", c: "${A" });
  assert.equal(substituteEnv("${A ${B:x", {}), "${A ${B:x");
  assert.equal(substituteEnv("${A:${B:x}} and ${C}", { B: "b" }), "b and ");
});

test("an empty file is an empty config", () => {
  assert.deepEqual(parse(""), {});
  assert.deepEqual(parse("# only a comment\n"), {});
});

test("YAML errors name the file, the line and the key", () => {
  assertConfigError(
    "AMQP_URI: amqp://localhost\nLOGGING:\n  level: INFO\n  handlers: [console\nmax_workers: 2\n",
    "config.yml, line 5, key LOGGING.handlers[0]: Flow sequence in block collection must be sufficiently indented and end with a ]",
  );
  assertConfigError(
    "a: 1\nrpc_exchange: x\nrpc_exchange: y\n",
    "config.yml, line 3, key rpc_exchange: Map keys must be unique",
  );
  assertConfigError(
    "a: 1\nb: !python/name:os.system x\n",
    "config.yml, line 2, key b: Unresolved tag: !python/name:os.system",
  );
  assertConfigError(
    "- 1\n- 2\n",
    "config.yml, line 1: the config must be a mapping of keys to values, got a list",
  );
  // Nameko says the same: a plain scalar with ": " in it is not a scalar. Quote it and tag it.
  assertConfigError(
    "x: ${X:{a: 1}}\n",
    "config.yml, line 1, key x: Nested mappings are not allowed in compact mappings",
  );
});

test("values of the keys Enoki reads are checked where they are written", () => {
  assertConfigError(
    "AMQP_URI: amqp://localhost\nmax_workers: ten\n",
    'config.yml, line 2, key max_workers: must be a non-negative integer, got "ten"',
  );
  assertConfigError(
    "max_workers: ${W:-1}\n",
    "config.yml, line 1, key max_workers: must be a non-negative integer, got -1",
  );
  assertConfigError(
    "HEARTBEAT: ${HB}\n",
    'config.yml, line 1, key HEARTBEAT: must be a non-negative number, got "soon"',
    {
      HB: "soon",
    },
  );
  assertConfigError(
    "AMQP_URI: http://user:secret@host\n",
    "config.yml, line 1, key AMQP_URI: Unsupported broker URI http://user:***@host/: use amqp://, amqps://, pyamqp:// or memory://",
  );
  assertConfigError(
    "LOGGING:\n  version: 1\n  level: loud\n",
    'config.yml, line 3, key LOGGING.level: must be a log level (trace, debug, info, warn, warning, error, fatal, critical, silent), got "loud"',
  );
  assertConfigError(
    "AMQP_URI: amqp://localhost\nWEB_SERVER_ADDRESS: nope\n",
    'config.yml, line 2, key WEB_SERVER_ADDRESS: must be an address "[host:]port" such as "0.0.0.0:8000", got "nope"',
  );
  assertConfigError(
    "HEALTH_ADDRESS: 0.0.0.0:99999\n",
    'config.yml, line 1, key HEALTH_ADDRESS: must be an address "[host:]port" such as "0.0.0.0:8000", got "0.0.0.0:99999"',
  );
  assertConfigError(
    "serializer: pickle\n",
    'config.yml, line 1, key serializer: must be a serializer Enoki has (json), got "pickle"',
  );
  assertConfigError(
    "REDIS_URIS: redis://localhost\n",
    'config.yml, line 1, key REDIS_URIS: must be a mapping, got "redis://localhost"',
  );
  assert.deepEqual(parse("WEB_SERVER_ADDRESS: 8000\n"), { WEB_SERVER_ADDRESS: 8000 });
  assert.deepEqual(parse('HEALTH_ADDRESS: ""\n'), { HEALTH_ADDRESS: "" }); // no health server
  // null means "use the default".
  assert.deepEqual(parse("max_workers:\nAMQP_URI: ${AMQP_URI}\n"), { max_workers: null, AMQP_URI: null });
});

test("a substituted value that is not YAML is reported by its reference, never by its value", () => {
  assert.throws(
    () => parse("secrets:\n  token: ${TOKEN}\n", { TOKEN: "{s3cr3t: " }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigurationError);
      assert.equal(
        err.message,
        "config.yml, line 2, key secrets.token: the value of ${TOKEN} is not valid YAML (Flow map must end with a }); use !raw_env_var to keep it as text",
      );
      assert.doesNotMatch(err.message, /s3cr3t/);
      return true;
    },
  );
});

test("variables that expand to themselves stop with an error instead of looping", () => {
  assertConfigError(
    "a:\n  b: ${LOOP}\n",
    "config.yml, line 2, key a.b: ${LOOP}: environment variables refer to each other too deeply",
    { LOOP: "x${LOOP}" },
  );
});

test("loadConfigFile reads a file and names it in errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "enoki-config-"));
  try {
    const file = join(dir, "config.yml");
    writeFileSync(file, "AMQP_URI: ${BROKER:amqp://guest:guest@localhost}\nmax_workers: 3\n");
    assert.deepEqual(await loadConfigFile(file, { env: {} }), {
      AMQP_URI: "amqp://guest:guest@localhost",
      max_workers: 3,
    });
    writeFileSync(file, "max_workers: [\n");
    await assert.rejects(loadConfigFile(file, { env: {} }), (err: Error) =>
      err.message.startsWith(`${file}, line 2, key max_workers: `),
    );
    await assert.rejects(
      loadConfigFile(join(dir, "missing.yml")),
      new ConfigurationError(`Cannot read config file ${join(dir, "missing.yml")}: no such file`),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("stringifyConfig writes YAML that reads back to the same values", () => {
  const config = {
    AMQP_URI: "amqp://guest:guest@localhost",
    words: ["yes", "no", "on", "y", "0777", "1.5", "null", "~", "${NOT_A_REFERENCE}", "a: b"],
    numbers: [0, 511, 1.5, -3],
    flags: [true, false],
    nothing: null,
    nested: { LOGGING: { level: "INFO" } },
  };
  const text = stringifyConfig(config);
  assert.deepEqual(parse(text, { NOT_A_REFERENCE: "substituted" }), config);
  assert.match(text, /- "yes"\n/);
  assert.match(text, /- "\$\{NOT_A_REFERENCE\}"\n/);
});

test("configLogLevel reads LOGGING.level, else Python's dictConfig root level", () => {
  assert.equal(configLogLevel({}), undefined);
  assert.equal(configLogLevel({ LOGGING: { level: "WARNING" } }), "warn");
  assert.equal(
    configLogLevel({ LOGGING: { version: 1, root: { level: "DEBUG", handlers: ["console"] } } }),
    "debug",
  );
  assert.equal(configLogLevel({ LOGGING: { level: "critical", root: { level: "DEBUG" } } }), "fatal");
  assert.throws(() => configLogLevel({ LOGGING: { level: "loud" } }), ConfigurationError);
});

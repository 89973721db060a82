/**
 * One table of config keys (src/core/config-keys.ts): every key's check runs for files (with the
 * line) and for configs given in code, the defaults are the table's, and the README's key list
 * is the table's.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { configKeysMarkdown } from "../../../src/cli/config-keys-doc.js";
import { containerSettings } from "../../../src/core/config.js";
import { parseConfig } from "../../../src/core/config-file.js";
import { CONFIG_KEYS, type ConfigKey, checkConfig, DEFAULTS } from "../../../src/core/config-keys.js";
import { httpSettings } from "../../../src/http/http-settings.js";
import { ConfigurationError } from "../../../src/util/enoki-error.js";

/** A value each key refuses, written as YAML. */
const BAD: Record<string, string> = {
  AMQP_URI: "http://host",
  AMQP_SSL: "maybe",
  WEB_SERVER_ADDRESS: "nope",
  max_workers: "-1",
  parent_calls_tracked: "1.5",
  rpc_exchange: '""',
  serializer: "pickle",
  HEARTBEAT: "soon",
  PREFETCH_COUNT: "many",
  DECLARE_EVENT_EXCHANGES: "sometimes",
  AUTO_DELETE_EVENT_EXCHANGES: "1",
  LOGGING: "loud",
  "LOGGING.level": "loud",
  "LOGGING.root": "[]",
  "LOGGING.root.level": "7",
  REDIS_URIS: "redis://localhost",
  RPC_TIMEOUT: "-1",
  RPC_PERSISTENT: "nope",
  QUEUE_TYPE: "stream",
  MAX_MESSAGE_BYTES: "1.5",
  MESSAGE_MAX_ATTEMPTS: "-1",
  EVENT_LOOP_LAG_WARNING: "-2",
  HEALTH_ADDRESS: "0.0.0.0:99999",
  METRICS: "sometimes",
  HTTP_MAX_BODY_BYTES: "big",
  HTTP_HEADERS_TIMEOUT: "0",
  HTTP_REQUEST_TIMEOUT: "-1",
  HTTP_KEEP_ALIVE_TIMEOUT: "0.0001",
  HTTP_MAX_HEADERS: "0",
  HTTP_MAX_HEADER_BYTES: "many",
};

/** The key as YAML two lines into a file, nested keys indented under their parents. */
function yamlFor(name: string, value: string): string {
  const parts = name.split(".");
  const lines = parts.map(
    (part, i) => `${"  ".repeat(i)}${part}:${i === parts.length - 1 ? ` ${value}` : ""}`,
  );
  return `# a comment\n${lines.join("\n")}\n`;
}

test("every key in the table has a bad value here, and a file with it names file, line and key", () => {
  assert.deepEqual(Object.keys(BAD).sort(), Object.keys(CONFIG_KEYS).sort());
  for (const [name, value] of Object.entries(BAD)) {
    const text = yamlFor(name, value);
    const line = 1 + name.split(".").length;
    assert.throws(
      () => parseConfig(text, { filename: "config.yml", env: {} }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigurationError, `${name}: ${err}`);
        assert.ok(
          err.message.startsWith(`config.yml, line ${line}, key ${name}: `),
          `${name}: ${err.message}`,
        );
        return true;
      },
      name,
    );
  }
});

test("the same checks run on a config given in code", () => {
  for (const [name, value] of Object.entries(BAD)) {
    const { v } = parseConfig(`v: ${value}\n`, { env: {} });
    const config: Record<string, unknown> = {};
    let node = config;
    const parts = name.split(".");
    for (const part of parts.slice(0, -1)) {
      node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1) as string] = v;
    assert.throws(
      () => checkConfig(config),
      (err: unknown) => err instanceof ConfigurationError && err.message.startsWith(`Config key ${name} `),
      name,
    );
  }
});

test("MAX_MESSAGE_BYTES, RPC_PERSISTENT and the HTTP keys in a file are reported with their line", () => {
  for (const [text, message] of [
    [
      "max_workers: 2\nMAX_MESSAGE_BYTES: lots\n",
      'config.yml, line 2, key MAX_MESSAGE_BYTES: must be a non-negative integer, got "lots"',
    ],
    ["RPC_PERSISTENT: maybe\n", 'config.yml, line 1, key RPC_PERSISTENT: must be true or false, got "maybe"'],
    [
      "\n\nHTTP_MAX_HEADERS: 0\n",
      "config.yml, line 3, key HTTP_MAX_HEADERS: must be an integer of at least 1, got 0",
    ],
  ] as const) {
    assert.throws(
      () => parseConfig(text, { filename: "config.yml", env: {} }),
      (err: unknown) => err instanceof ConfigurationError && err.message === message,
    );
  }
});

test("settings read their defaults from the table", () => {
  const settings = containerSettings({});
  assert.equal(settings.maxWorkers, DEFAULTS.max_workers);
  assert.equal(settings.parentCallsTracked, DEFAULTS.parent_calls_tracked);
  assert.equal(settings.rpcTimeoutMs, DEFAULTS.RPC_TIMEOUT * 1000);
  assert.equal(settings.maxMessageBytes, DEFAULTS.MAX_MESSAGE_BYTES);
  assert.equal(settings.rpcPersistent, DEFAULTS.RPC_PERSISTENT);
  assert.equal(settings.rpcExchange, DEFAULTS.rpc_exchange);
  const http = httpSettings({});
  assert.equal(http.maxBodyBytes, DEFAULTS.HTTP_MAX_BODY_BYTES);
  assert.equal(http.requestTimeoutMs, DEFAULTS.HTTP_REQUEST_TIMEOUT * 1000);
  assert.equal(http.maxHeaders, DEFAULTS.HTTP_MAX_HEADERS);
  for (const key of Object.values(CONFIG_KEYS) as ConfigKey[]) {
    if ("default" in key)
      assert.equal(key.check(key.default), undefined, `default ${String(key.default)} passes`);
  }
});

test("the README's key list is the table's (npm run docs:config writes it)", () => {
  const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("<!-- config-keys:start -->");
  const end = readme.indexOf("<!-- config-keys:end -->");
  assert.ok(start >= 0 && end > start, "README.md has the config-keys markers");
  const section = readme.slice(start + "<!-- config-keys:start -->".length, end).trim();
  assert.equal(normalized(section), normalized(configKeysMarkdown()), "run npm run docs:config");
});

/** A Markdown table without the padding a formatter adds. */
function normalized(table: string): string {
  return table
    .trim()
    .split("\n")
    .map((line) =>
      line
        .split("|")
        .map((cell) => cell.trim().replace(/^-+$/, "---"))
        .join("|"),
    )
    .join("\n");
}

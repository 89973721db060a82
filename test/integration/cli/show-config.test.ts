/**
 * `enoki show-config`: the config after substitution, as YAML that reads back the same, with the
 * broker overrides `enoki run` applies.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { parseConfig } from "../../../src/index.js";
import { runCli, scratchDir } from "../../support/cli.js";

const scratch = scratchDir("cli-show-config");
after(() => scratch.remove());

/** The config part of show-config's output, without the commented defaults after it. */
function configPart(stdout: string): string {
  const at = stdout.indexOf("# Defaults of the keys not set above:");
  return at < 0 ? stdout : stdout.slice(0, at);
}

const CONFIG = `# shared with Python services
AMQP_URI: \${AMQP_URI:amqp://guest:guest@localhost}
WEB_SERVER_ADDRESS: \${WEB:0.0.0.0:8000}
max_workers: \${WORKERS:10}
rpc_exchange: nameko-rpc
HEARTBEAT: 30
flags: [yes, off, 0777]
quoted: "\${NOT_SUBSTITUTED}"
raw: !raw_env_var \${PORT:8000}
LOGGING:
  version: 1
  root:
    level: \${LEVEL:INFO}
`;

test("prints the config after substitution, as YAML", async () => {
  const file = scratch.write("config.yml", CONFIG);
  const { code, stdout, stderr } = await runCli(["show-config", "--config", file, "--show-secrets"], {
    env: { WORKERS: "4", LEVEL: "DEBUG" },
  });
  assert.equal(code, 0, stderr);
  assert.equal(
    configPart(stdout),
    `AMQP_URI: amqp://guest:guest@localhost
WEB_SERVER_ADDRESS: 0.0.0.0:8000
max_workers: 4
rpc_exchange: nameko-rpc
HEARTBEAT: 30
flags:
  - true
  - false
  - 511
quoted: "\${NOT_SUBSTITUTED}"
raw: "8000"
LOGGING:
  version: 1
  root:
    level: DEBUG
`,
  );
  // What it prints reads back to the same config, with nothing left to substitute.
  assert.deepEqual(
    parseConfig(stdout, { env: { NOT_SUBSTITUTED: "x" } }),
    parseConfig(CONFIG, { env: { WORKERS: "4", LEVEL: "DEBUG" } }),
  );
});

test("shows the broker enoki run would use: --broker, else AMQP_URI from the environment", async () => {
  const file = scratch.write("broker.yml", "AMQP_URI: amqp://file-host\nmax_workers: 2\n");
  const [fromFile, fromEnv, fromFlag, nothing] = await Promise.all([
    runCli(["show-config", "--config", file]),
    runCli(["show-config", "--config", file], { env: { AMQP_URI: "amqp://env-host" } }),
    runCli(["show-config", "--config", file, "--broker", "amqp://flag-host"], {
      env: { AMQP_URI: "amqp://env-host" },
    }),
    runCli(["show-config"]),
  ]);
  assert.equal(configPart(fromFile.stdout), "AMQP_URI: amqp://file-host\nmax_workers: 2\n");
  assert.equal(configPart(fromEnv.stdout), "AMQP_URI: amqp://env-host\nmax_workers: 2\n");
  assert.equal(configPart(fromFlag.stdout), "AMQP_URI: amqp://flag-host\nmax_workers: 2\n");
  assert.equal(configPart(nothing.stdout), "{}\n");
  for (const result of [fromFile, fromEnv, fromFlag, nothing]) assert.equal(result.code, 0);
});

test("masks passwords and tokens unless --show-secrets is given", async () => {
  const file = scratch.write(
    "secrets.yml",
    "AMQP_URI: amqp://guest:s3cr3t-pw@rabbit/\nREDIS_URIS:\n  development: redis://:r3d1s-pw@redis:6379/0\n" +
      "API_TOKEN: t0k3n\nDB_PASSWORD: d8-pw\nWEB_SERVER_ADDRESS: 0.0.0.0:8000\n",
  );
  const masked = await runCli(["show-config", "--config", file]);
  assert.equal(masked.code, 0, masked.stderr);
  assert.equal(
    configPart(masked.stdout),
    "AMQP_URI: amqp://guest:***@rabbit/\nREDIS_URIS:\n  development: redis://:***@redis:6379/0\n" +
      'API_TOKEN: "***"\nDB_PASSWORD: "***"\nWEB_SERVER_ADDRESS: 0.0.0.0:8000\n',
  );
  for (const secret of ["s3cr3t-pw", "r3d1s-pw", "t0k3n", "d8-pw"])
    assert.ok(!masked.stdout.includes(secret), secret);
  const shown = await runCli(["show-config", "--config", file, "--show-secrets"]);
  for (const secret of ["s3cr3t-pw", "r3d1s-pw", "t0k3n", "d8-pw"])
    assert.ok(shown.stdout.includes(secret), secret);
});

test("shows the defaults of the keys not set, as comments, from the table of keys", async () => {
  const file = scratch.write("defaults.yml", "max_workers: 3\nLOGGING:\n  level: debug\n");
  const { code, stdout, stderr } = await runCli(["show-config", "--config", file]);
  assert.equal(code, 0, stderr);
  const defaults = stdout.slice(configPart(stdout).length).split("\n");
  assert.equal(defaults[0], "# Defaults of the keys not set above:");
  assert.ok(defaults.includes("#   AMQP_URI: amqp://guest:guest@localhost"), stdout);
  assert.ok(defaults.includes("#   RPC_TIMEOUT: 30"), stdout);
  assert.ok(defaults.includes("#   PREFETCH_COUNT: max_workers"), stdout);
  assert.ok(!defaults.some((l) => l.startsWith("#   max_workers:")), "a key that is set shows no default");
  assert.ok(!defaults.some((l) => l.startsWith("#   LOGGING.level:")), "nor does a nested one");
  // Still YAML that reads back as the same config.
  assert.deepEqual(parseConfig(stdout), { max_workers: 3, LOGGING: { level: "debug" } });
  const bare = await runCli(["show-config", "--config", file, "--no-defaults"]);
  assert.equal(bare.stdout, configPart(stdout));
});

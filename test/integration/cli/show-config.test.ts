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
  const { code, stdout, stderr } = await runCli(["show-config", "--config", file], {
    env: { WORKERS: "4", LEVEL: "DEBUG" },
  });
  assert.equal(code, 0, stderr);
  assert.equal(
    stdout,
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
  assert.equal(fromFile.stdout, "AMQP_URI: amqp://file-host\nmax_workers: 2\n");
  assert.equal(fromEnv.stdout, "AMQP_URI: amqp://env-host\nmax_workers: 2\n");
  assert.equal(fromFlag.stdout, "AMQP_URI: amqp://flag-host\nmax_workers: 2\n");
  assert.equal(nothing.stdout, "{}\n");
  for (const result of [fromFile, fromEnv, fromFlag, nothing]) assert.equal(result.code, 0);
});

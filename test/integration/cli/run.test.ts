/**
 * `enoki run` as a process: loading modules, startup logs, config, broker precedence, waiting for
 * an unreachable broker, logging options, and exit codes of services that fail.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Cluster } from "../../../src/index.js";
import { connect, maskUri, silentLogger, UnknownService } from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { type CliProcess, killAllCli, scratchDir, startCli } from "../../support/cli.js";

const scratch = scratchDir("cli-run");
let cluster: Cluster;
before(async () => {
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await killAllCli();
  await cluster?.close();
  scratch.remove();
});

/** A TypeScript module with one `ping` service per name, each class named after its service. */
function servicesModule(file: string, names: string[]): string {
  const classes = names.map(
    (name) =>
      `@service("${name}")\nexport class ${className(name)} {\n  @rpc ping() { return "${name}"; }\n}\n`,
  );
  return scratch.write(file, `import { rpc, service } from "enoki";\n\n${classes.join("\n")}`);
}

function className(name: string): string {
  return name.replace(/(^|_)(\w)/g, (_, _sep, c: string) => c.toUpperCase());
}

/** What `@service`/`@rpc` compile to, written by hand: a plain `.js` module needs no loader. */
function javascriptModule(file: string, name: string): string {
  return scratch.write(
    file,
    `import { rpc, service } from "enoki";
const metadata = Object.create(null);
export class JsService {
  ping() { return "${name}"; }
}
rpc(JsService.prototype.ping, { kind: "method", name: "ping", static: false, private: false, metadata, addInitializer() {}, access: {} });
service("${name}")(JsService, { kind: "class", name: "JsService", metadata, addInitializer() {} });
Object.defineProperty(JsService, Symbol.metadata, { value: metadata });
`,
  );
}

async function ping(service: string): Promise<unknown> {
  return cluster.rpc[service]!.ping!();
}

async function stopped(cli: CliProcess, signal: NodeJS.Signals = "SIGTERM") {
  cli.child.kill(signal);
  return cli.exited;
}

test("runs every service of several modules in one process, and names them and the broker", async () => {
  const [p1, p2, s1, s2, js] = ["pair_one", "pair_two", "single_one", "single_two", "plain_js"].map(
    uniqueName,
  );
  servicesModule("pair.ts", [p1!, p2!]);
  servicesModule("single.ts", [s1!, s2!]);
  javascriptModule("plain.js", js!);
  // pair.ts: all its services; single (no extension) :Class: one of them; plain.js: no loader.
  const cli = startCli([
    "run",
    `${scratch.dir}/pair.ts`,
    `${scratch.dir}/single:${className(s1!)}`,
    `${scratch.dir}/plain.js`,
    "--broker",
    brokerUri(),
  ]);
  const starting = JSON.parse(await cli.waitForLog(/"starting services: /)) as Record<string, unknown>;
  assert.equal(starting.msg, `starting services: ${p1}, ${p2}, ${s1}, ${js}`);
  assert.deepEqual(starting.services, [p1, p2, s1, js]);
  assert.equal(starting.broker, maskUri(brokerUri()));
  assert.match(String(starting.broker), /^amqp:\/\/guest:\*\*\*@localhost\//);
  await cli.waitForLog(/"running services: /);
  assert.deepEqual(await Promise.all([p1, p2, s1, js].map((name) => ping(name!))), [p1, p2, s1, js]);
  await assert.rejects(ping(s2!), UnknownService);
  assert.doesNotMatch(cli.stderr(), /guest:guest@/, "the password was logged");
  assert.deepEqual(await stopped(cli), { code: 0, signal: null });
});

test("--config: environment substitution, the broker from the file, and config() in workers", async () => {
  const name = uniqueName("configured");
  scratch.write(
    "configured.ts",
    `import { config, rpc, service } from "enoki";
@service("${name}")
export class Configured {
  config = config<{ GREETING: string; FAREWELL: string }>();
  @rpc settings() {
    const { GREETING, FAREWELL, max_workers } = this.config;
    return { GREETING, FAREWELL, max_workers, frozen: Object.isFrozen(this.config) };
  }
}
`,
  );
  const file = scratch.write(
    "configured.yml",
    `AMQP_URI: \${TEST_BROKER}\nGREETING: \${GREETING:Hello}\nFAREWELL: \${FAREWELL:Goodbye}\nmax_workers: \${WORKERS:4}\n`,
  );
  const cli = startCli(["run", `${scratch.dir}/configured.ts`, "--config", file], {
    env: { TEST_BROKER: brokerUri(), GREETING: "Bonjour" },
  });
  await cli.waitForLog(/"running services: /);
  assert.deepEqual(await cluster.rpc[name]!.settings!(), {
    GREETING: "Bonjour",
    FAREWELL: "Goodbye",
    max_workers: 4,
    frozen: true,
  });
  assert.deepEqual(await stopped(cli), { code: 0, signal: null });
});

test("broker precedence: --broker, then the AMQP_URI environment variable, then the config file", async () => {
  servicesModule("precedence.ts", [uniqueName("precedence")]);
  // Ports nothing listens on: only the startup line matters here.
  const file = scratch.write("precedence.yml", "AMQP_URI: amqp://guest:file@127.0.0.1:3\n");
  const module = `${scratch.dir}/precedence.ts`;
  const runs = [
    startCli(["run", module, "--config", file, "--broker", "amqp://guest:flag@127.0.0.1:1"], {
      env: { AMQP_URI: "amqp://guest:env@127.0.0.1:2" },
    }),
    startCli(["run", module, "--config", file], { env: { AMQP_URI: "amqp://guest:env@127.0.0.1:2" } }),
    startCli(["run", module, "--config", file]),
  ];
  const brokers = await Promise.all(
    runs.map(
      async (cli) => (JSON.parse(await cli.waitForLog(/"starting services: /)) as { broker: string }).broker,
    ),
  );
  assert.deepEqual(brokers, [
    "amqp://guest:***@127.0.0.1:1",
    "amqp://guest:***@127.0.0.1:2",
    "amqp://guest:***@127.0.0.1:3",
  ]);
  await Promise.all(runs.map((cli) => stopped(cli, "SIGKILL")));
});

test("an unreachable broker is waited for, one readable log line per attempt; SIGTERM then exits 0", async () => {
  servicesModule("patient.ts", [uniqueName("patient")]);
  const cli = startCli(["run", `${scratch.dir}/patient.ts`, "--broker", "amqp://guest:s3cret@127.0.0.1:1"], {
    env: { ENOKI_LOG_FORMAT: "pretty", NO_COLOR: "1" },
  });
  await cli.waitForLog(/attempt=2 /);
  assert.equal(cli.child.exitCode, null, "the process gave up");
  const lines = cli.stderr().split("\n");
  assert.match(
    lines[0]!,
    /^\d\d:\d\d:\d\d\.\d{3} INFO {2}starting services: patient_\w+ services=\["patient_\w+"\] broker=amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1$/,
  );
  const attempts = lines.filter((line) =>
    / WARN {2}broker amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1 not reachable; retrying in \d+\.\d s /.test(line),
  );
  assert.ok(attempts.length >= 2, cli.stderr());
  assert.doesNotMatch(cli.stderr(), /s3cret/);
  assert.deepEqual(await stopped(cli), { code: 0, signal: null });
  assert.match(cli.stderr(), /INFO {2}SIGTERM: stopping gracefully/);
});

test("a broker that refuses the vhost or the login says so, as an error naming the cause", async () => {
  servicesModule("refused.ts", [uniqueName("refused")]);
  const missing = `enoki-test-missing-${Date.now()}`;
  const runs = [
    startCli(["run", `${scratch.dir}/refused.ts`, "--broker", `amqp://guest:guest@localhost/${missing}`]),
    startCli(["run", `${scratch.dir}/refused.ts`, "--broker", "amqp://guest:wr0ng@localhost"]),
  ];
  const [vhost, login] = await Promise.all(runs.map((cli) => cli.waitForLog(/refused the connection/)));
  const vhostLine = JSON.parse(vhost!) as { level: number; msg: string };
  assert.equal(vhostLine.level, 50);
  assert.match(
    vhostLine.msg,
    new RegExp(`access to vhost "${missing}" refused: it does not exist, user "guest" may not use it`),
  );
  assert.match(
    (JSON.parse(login!) as { msg: string }).msg,
    /login refused for user "guest": .*ACCESS_REFUSED/,
  );
  assert.doesNotMatch(login!, /wr0ng/);
  for (const cli of runs) assert.equal(cli.child.exitCode, null, "the process gave up");
  await Promise.all(runs.map((cli) => stopped(cli, "SIGKILL")));
});

test("a config mistake is one line with no stack, exit code 2, naming the file's line", async () => {
  servicesModule("strict.ts", [uniqueName("strict")]);
  const file = scratch.write("strict.yml", "max_workers: 2\nRPC_PERSISTENT: maybe\n");
  const cli = startCli(["run", `${scratch.dir}/strict.ts`, "--config", file, "--broker", brokerUri()]);
  assert.deepEqual(await cli.exited, { code: 2, signal: null });
  assert.equal(
    cli.stderr().trim(),
    `enoki run: ${file}, line 2, key RPC_PERSISTENT: must be true or false, got "maybe"`,
  );
});

test("LOGGING.level in the config file sets the level (ENOKI_LOG_LEVEL unset)", async () => {
  servicesModule("quiet.ts", [uniqueName("quiet")]);
  const file = scratch.write("quiet.yml", "LOGGING:\n  version: 1\n  root:\n    level: WARNING\n");
  const cli = startCli(
    ["run", `${scratch.dir}/quiet.ts`, "--config", file, "--broker", "amqp://127.0.0.1:1"],
    {
      env: { ENOKI_LOG_LEVEL: "" },
    },
  );
  await cli.waitForLog(/not reachable/);
  assert.doesNotMatch(cli.stderr(), /"level":30/, "info lines were logged");
  await stopped(cli, "SIGKILL");
});

test("a promise nobody awaited is logged as an error; the process keeps serving", async () => {
  const careless = uniqueName("careless");
  scratch.write(
    "careless.ts",
    `import { eventDispatcher, rpc, service } from "enoki";
@service("${careless}")
export class Careless {
  dispatch = eventDispatcher();
  @rpc fire() { void this.dispatch("thing", { n: 1n }); return "fired"; }
}
`,
  );
  const cli = startCli(["run", `${scratch.dir}/careless.ts`, "--broker", brokerUri()]);
  await cli.waitForLog(/"running services: /);
  assert.equal(await cluster.rpc[careless]!.fire!(), "fired");
  const line = await cli.waitForLog(/a promise nobody awaited was rejected/);
  assert.match(line, /"level":50/);
  assert.match(line, /Unserializable value: `1n`/);
  assert.equal(await cluster.rpc[careless]!.fire!(), "fired", "the process still serves");
  assert.equal(cli.child.exitCode, null);
  assert.deepEqual(await stopped(cli), { code: 0, signal: null });
});

test("a service that fails to start, or crashes while running, ends the process with exit code 1", async () => {
  const failing = uniqueName("failing");
  const crashing = uniqueName("crashing");
  scratch.write(
    "failing.ts",
    `import { dependency, rpc, service } from "enoki";
@service("${failing}")
export class Failing {
  database = dependency("database", () => ({
    name: "database",
    async start() { throw new Error("no database at localhost:5432"); },
    get: () => undefined,
  }));
  @rpc ping() { return 1; }
}
`,
  );
  scratch.write(
    "crashing.ts",
    `import { dependency, rpc, service } from "enoki";
@service("${crashing}")
export class Crashing {
  database = dependency("database", (container) => ({
    name: "database",
    async start() { setTimeout(() => container.crash(new Error("lost the database")), 300); },
    get: () => undefined,
  }));
  @rpc ping() { return 1; }
}
`,
  );
  const [fails, crashes] = ["failing", "crashing"].map((file) =>
    startCli(["run", `${scratch.dir}/${file}.ts`, "--broker", brokerUri()]),
  );
  assert.deepEqual(await fails!.exited, { code: 1, signal: null });
  assert.match(fails!.stderr(), /"msg":"could not start: no database at localhost:5432"/);
  assert.deepEqual(await crashes!.exited, { code: 1, signal: null });
  assert.match(crashes!.stderr(), /"msg":"running services: crashing_\w+"/);
  assert.match(crashes!.stderr(), /"msg":"a service crashed: lost the database"/);
});

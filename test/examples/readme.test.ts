/**
 * The README, executed: every command it shows is either run here exactly as written, or named
 * with the test that exercises it (or, for Docker and Kubernetes, which no engine runs here, the
 * test that checks the files they use); the quick start's demo and curl session run as written,
 * their output compared with the README's; and the article's shell session is replayed statement
 * by statement against real instances, its printed output compared with the README's.
 *
 * Commands run with the broker in the AMQP_URI environment variable (a vhost of this file's own)
 * and GREETING_SLEEP=1, so the README's 5-second greetings take 1 second here.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { connect, silentLogger } from "../../src/index.js";
import { createVhost, uniqueName, vhostOf } from "../support/broker.js";
import {
  type CliProcess,
  killAllCli,
  loggedPid,
  repoRoot,
  signalGroup,
  startCommand,
  waitForPidExit,
} from "../support/cli.js";
import { listBroker } from "../support/queues.js";
import { deleteKeys, freePort } from "../support/travel.js";

const demoPrefix = uniqueName("enoki-test-readme");
// The demo and enoki run on the in-process broker and store: nothing of theirs may reach Redis.
const inProcessPrefix = uniqueName("enoki-test-readme-memory");
// Before createVhost's hook: processes go before their vhost.
after(async () => {
  await killAllCli();
  await deleteKeys(demoPrefix);
  await deleteKeys(inProcessPrefix);
});
const { uri } = createVhost("enoki-test-readme");
const README = readFileSync(join(repoRoot, "README.md"), "utf8");
const SLEEP_FACTOR = 5; // the README's greetings take 5 s, these take 1 s

interface Block {
  readonly section: string;
  readonly lang: string;
  readonly code: string;
}

function readmeBlocks(): Block[] {
  const blocks: Block[] = [];
  let section = "";
  const pattern = /^## (.+)$|^```(\w*)\n([\s\S]*?)^```$/gm;
  for (const match of README.matchAll(pattern)) {
    if (match[1] !== undefined) section = match[1];
    else blocks.push({ section, lang: match[2] ?? "", code: match[3] ?? "" });
  }
  return blocks;
}

/** The quick start's curl sessions: run here as shell scripts, each followed by its output. */
function curlSessions(): { script: Block; output: Block }[] {
  const blocks = readmeBlocks();
  return blocks.flatMap((block, i) => {
    const output = blocks[i + 1];
    if (block.section !== "Quick start" || block.lang !== "sh" || !block.code.includes("curl ")) return [];
    assert.ok(output?.lang === "text", `the curl block is followed by its output:\n${block.code}`);
    return [{ script: block, output }];
  });
}

/** Commands: every line of the sh blocks but the curl sessions, and inline code that starts like a command. */
function readmeCommands(): { shown: string[]; inline: string[] } {
  const sessions = new Set(curlSessions().map((s) => s.script.code));
  const shown = readmeBlocks()
    .filter((b) => b.lang === "sh" && !sessions.has(b.code))
    .flatMap((b) => b.code.split("\n"))
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const outside = README.replace(/^```[\s\S]*?^```$/gm, "");
  const inline = [...outside.matchAll(/`((?:enoki|npx|npm|node) [^`]+|enoki)`/g)].map((m) => m[1] as string);
  return { shown: [...new Set(shown)], inline: [...new Set(inline)] };
}

/** Commands this file runs exactly as the README writes them. */
const RUN_HERE = new Set([
  "npm run demo",
  "npx enoki run examples/hello/hello.ts",
  "npx enoki shell",
  "npx enoki run examples/hello/hello_v2.ts",
  "npx enoki run --watch examples/hello/hello.ts",
  "node dist/cli/main.js run examples/hello/hello.ts",
  "MAX_WORKERS=2 npx enoki show-config --config examples/hello/config.yml",
  `REDIS_URI=memory:// npx enoki run ${["gateway", "airports", "trips"].map((m) => `examples/travel/${m}.ts`).join(" ")} --config examples/travel/config.yml --broker memory://`,
]);

/** The other commands, with the file that exercises them and a string that shows it does. */
const RUN_ELSEWHERE: Readonly<Record<string, { file: string; evidence: string }>> = {
  "npm ci": { file: ".ci/run", evidence: "\nnpm ci" },
  "npm test": { file: ".ci/run", evidence: "\nnpm test" },
  "npm run test:unit": { file: "test/unit/scripts/run-tests.test.ts", evidence: '"test:unit"' },
  "enoki run": { file: "test/examples/hello.test.ts", evidence: 'startCli(["run", module' },
  "enoki run hello.ts": { file: "test/integration/cli/run.test.ts", evidence: "/pair.ts`" },
  "enoki run hello": { file: "test/integration/cli/run.test.ts", evidence: "/single:" },
  "enoki show-config": {
    file: "test/integration/cli/show-config.test.ts",
    evidence: 'runCli(["show-config"',
  },
  "enoki shell < script.js": {
    file: "test/integration/cli/shell.test.ts",
    evidence: "{ input: `${lines.join",
  },
  "enoki --help": { file: "test/integration/cli/cli-errors.test.ts", evidence: 'runCli(["--help"])' },
  "enoki <command> --help": {
    file: "test/integration/cli/cli-errors.test.ts",
    evidence: 'runCli(["run", "--help"])',
  },
  "npx enoki run examples/travel/airports.ts --config examples/travel/config.yml": {
    file: "test/examples/travel.test.ts",
    evidence: 'startTravel(["airports"], env)',
  },
  "npx enoki run examples/travel/trips.ts --config examples/travel/config.yml": {
    file: "test/examples/travel.test.ts",
    evidence: 'startTravel(["trips"], env)',
  },
  "npx enoki run examples/travel/gateway.ts --config examples/travel/config.yml": {
    file: "test/examples/travel.test.ts",
    evidence: 'startTravel(["gateway"], env)',
  },
  "npm run bench": { file: "test/examples/bench.test.ts", evidence: 'execFile)("npm", ["run", "bench"]' },
  // Opt-in: runs when NAMEKO_PATH names a Nameko checkout (not installable in CI).
  "NAMEKO_PATH=~/src/nameko npm test -- test/interop": {
    file: "test/interop/nameko.test.ts",
    evidence: "const namekoPath = process.env.NAMEKO_PATH;",
  },
  "node --import tsx examples/travel/web-app/server.ts": {
    file: "test/examples/web-app.test.ts",
    evidence: '["--import", "tsx", "examples/travel/web-app/server.ts"]',
  },
};

/**
 * Docker and Kubernetes commands: no engine or cluster runs here, so they are not run; the named
 * test checks the files they use instead.
 */
const CHECKED_NOT_RUN: Readonly<Record<string, { file: string; evidence: string }>> = {
  "docker compose -f examples/travel/docker-compose.yml up --build": {
    file: "test/examples/deployment.test.ts",
    evidence: "/docker-compose.yml`), { merge: true })",
  },
  "docker build -f examples/travel/Dockerfile -t enoki-travel:0.1.0 .": {
    file: "test/examples/deployment.test.ts",
    evidence: "const stages = dockerfileStages(read(",
  },
  "kubectl apply -f examples/travel/k8s/": {
    file: "test/examples/deployment.test.ts",
    evidence: 'readdirSync(join(repoRoot, TRAVEL, "k8s"))',
  },
  "kubectl port-forward service/gateway 8000:8000": {
    file: "test/examples/deployment.test.ts",
    evidence: "servicePort(deployment.metadata.name, webPort)",
  },
};

test("every command in the README is run here or by a named test", () => {
  const { shown, inline } = readmeCommands();
  for (const command of ["npm ci", "npm run demo", "npm test"]) {
    assert.ok(shown.includes(command), `the quick start lost ${command}`);
  }
  for (const command of [...shown, ...inline]) {
    if (RUN_HERE.has(command)) continue;
    const elsewhere = RUN_ELSEWHERE[command] ?? CHECKED_NOT_RUN[command];
    assert.ok(elsewhere !== undefined, `README command not covered by any test: ${command}`);
    const source = readFileSync(join(repoRoot, elsewhere.file), "utf8");
    assert.ok(source.includes(elsewhere.evidence), `${elsewhere.file} no longer covers ${command}`);
  }
  for (const command of RUN_HERE)
    assert.ok(shown.includes(command), `not in the README any more: ${command}`);
  for (const command of [...Object.keys(RUN_ELSEWHERE), ...Object.keys(CHECKED_NOT_RUN)]) {
    assert.ok([...shown, ...inline].includes(command), `not in the README any more: ${command}`);
  }
  assert.equal(curlSessions().length, 2, "the quick start's two curl sessions, run below");
});

/**
 * Starts a README command line as written: `VAR=value` prefixes, then the program; `env` adds
 * what a test needs besides (a free port).
 */
function startReadmeCommand(
  line: string,
  { broker = true, env = {} }: { broker?: boolean; env?: Record<string, string> } = {},
): CliProcess {
  assert.ok(RUN_HERE.has(line), `not a README command run here: ${line}`);
  const words = line.split(" ");
  const assignments = Object.fromEntries(
    words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split("=", 2) as [string, string]),
  );
  const [program, ...args] = words.filter((w) => !/^[A-Z_]+=/.test(w));
  return startCommand(program as string, args, {
    env: { ...(broker ? { AMQP_URI: uri } : {}), GREETING_SLEEP: "1", ...env, ...assignments },
    // npx under a terminal: a process group of its own, signalled as a whole, as by Ctrl+C.
    detached: program === "npx",
  });
}

/** A README instance, once its service consumes; `pid` is Enoki's own process, under npx. */
async function startInstance(line: string): Promise<{ cli: CliProcess; pid: number }> {
  const cli = startReadmeCommand(line);
  const running = await cli.waitForLog(/"running services: greeting_service"/);
  return { cli, pid: loggedPid(running) };
}

/** Ctrl+C in the instance's terminal, then wait for Enoki to exit. */
async function pressCtrlC(instance: { cli: CliProcess; pid: number }): Promise<void> {
  signalGroup(instance.cli.child.pid!, "SIGINT");
  await waitForPidExit(instance.pid);
}

test("show-config prints what the README shows", async () => {
  const tour = readmeBlocks().filter((b) => b.section === "A tour of the API");
  const yaml = tour.find((b) => b.lang === "yaml");
  const cli = startReadmeCommand("MAX_WORKERS=2 npx enoki show-config --config examples/hello/config.yml", {
    broker: false,
  });
  await cli.exited;
  assert.equal(cli.stdout(), yaml?.code);
});

/** Resolves with the process's standard output once it contains `text`. */
async function waitForOutput(cli: CliProcess, text: string, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!cli.stdout().includes(text)) {
    assert.ok(cli.child.exitCode === null, `exited: ${cli.stdout()}\n${cli.stderr()}`);
    assert.ok(
      Date.now() < deadline,
      `no "${text}" within ${timeoutMs} ms:\n${cli.stdout()}\n${cli.stderr()}`,
    );
    await sleep(50);
  }
  return cli.stdout();
}

const ID = /[0-9a-f]{32}/g;

/**
 * Runs the quick start's two curl blocks in one shell against the gateway on `port`, as a user
 * pastes them into one terminal (the second uses $SECOND), and compares their output with the
 * README's.
 */
async function curlTheQuickStart(port: number): Promise<void> {
  // The README's port, 8000, may be taken here: the tests run everything on a free one.
  const atPort = (text: string) => text.replaceAll("localhost:8000", `localhost:${port}`);
  const [session, mistakes] = curlSessions();
  assert.ok(session && mistakes);
  const marker = "--- next block ---";
  const script = [session.script.code, `echo "${marker}"`, mistakes.script.code, 'echo "$FIRST $SECOND"'];
  const { stdout } = await promisify(execFile)("sh", ["-c", atPort(script.join("\n"))], {
    cwd: repoRoot,
    timeout: 30_000, // killed, not left running, if a request hangs
  });
  const [sessionOut = "", rest = ""] = stdout.split(`${marker}\n`);
  const lines = rest.trimEnd().split("\n");
  const [first, second] = (lines.pop() ?? "").split(" ");
  const mistakesOut = `${lines.join("\n")}\n`;
  assert.equal(sessionOut.replace(ID, "<id>"), session.output.code.replace(ID, "<id>"));
  assert.equal(mistakesOut, mistakes.output.code);
  assert.ok(sessionOut.includes(`{"trip":{"from":"${first}","to":"${second}"}}`), sessionOut);
}

/** `npm run demo` on a free port, once it prints the README's session. */
async function startDemo(
  env: Record<string, string>,
): Promise<{ demo: CliProcess; port: number; printed: string }> {
  const port = await freePort();
  const demo = startCommand("npm", ["run", "demo"], {
    env: { ...env, PORT: String(port) },
    detached: true, // a terminal's process group, signalled as a whole by Ctrl+C
  });
  const printed = await waitForOutput(demo, "Ctrl+C stops it.");
  const [session] = curlSessions();
  assert.ok(
    printed.includes(session!.script.code.replaceAll("localhost:8000", `localhost:${port}`)),
    `the demo prints the README's session:\n${printed}`,
  );
  return { demo, port, printed };
}

/** Ctrl+C: Enoki stops gracefully and exits (npm itself then ends as Ctrl+C ends it, by SIGINT). */
async function pressCtrlCOnDemo(demo: CliProcess): Promise<void> {
  const enoki = loggedPid(await demo.waitForLog(/"running services: /));
  signalGroup(demo.child.pid!, "SIGINT");
  await waitForPidExit(enoki);
  await demo.exited;
  assert.match(demo.stderr(), /SIGINT: stopping gracefully/);
  assert.doesNotMatch(demo.stderr(), /again: killing|"level":50/, "a clean stop");
}

const IN_PROCESS = /in-process/;

test("the quick start: npm run demo, then the curl sessions, as the README writes them", async () => {
  // RabbitMQ and Redis answer, so the demo uses them. DEMO_AMQP_URI points its first try at this
  // file's vhost, as AMQP_URI is not set: this is the path that could fall back, and must not.
  const { demo, port, printed } = await startDemo({ DEMO_AMQP_URI: uri, REDIS_KEY_PREFIX: demoPrefix });
  assert.match(
    printed,
    /\nEnoki travel demo\n {2}RabbitMQ {2}amqp:\/\/guest:\*\*\*@localhost\/enoki-test-readme/,
  );
  assert.doesNotMatch(printed, IN_PROCESS);
  await curlTheQuickStart(port);
  const queues = listBroker("queues", vhostOf(uri), ["name"]).map((row) => row.name);
  for (const service of ["airports_service", "trips_service"])
    assert.ok(queues.includes(`rpc-${service}`), String(queues));
  await pressCtrlCOnDemo(demo);
  assert.doesNotMatch(demo.stderr(), IN_PROCESS);
  assert.equal(await deleteKeys(demoPrefix), 4, "two airports, a trip, and the airports trips_service knows");
});

test("the quick start with no RabbitMQ nor Redis: the demo runs in process and says so, once each", async () => {
  // Nothing listens where the demo looks first: a machine with nothing installed.
  const [noRabbitMq, noRedis] = [await freePort(), await freePort()];
  const { demo, port, printed } = await startDemo({
    DEMO_AMQP_URI: `amqp://guest:guest@127.0.0.1:${noRabbitMq}`,
    DEMO_REDIS_URI: `redis://127.0.0.1:${noRedis}/0`,
    REDIS_KEY_PREFIX: inProcessPrefix,
  });
  const notes = printed.split("\n").filter((line) => IN_PROCESS.test(line));
  assert.deepEqual(notes.slice(0, 2), [
    `RabbitMQ does not answer at amqp://guest:***@127.0.0.1:${noRabbitMq} (connect ECONNREFUSED 127.0.0.1:${noRabbitMq}), so the demo runs on Enoki's in-process broker (memory://); to use RabbitMQ, start it or set AMQP_URI=amqp://user:password@host.`,
    `Redis does not answer at redis://127.0.0.1:${noRedis}/0 (connect ECONNREFUSED 127.0.0.1:${noRedis}), so the demo keeps its data in Enoki's in-process store (memory://), gone when it stops; to use Redis, start it or set REDIS_URI=redis://host:6379/0.`,
  ]);
  assert.match(
    printed,
    /\n {2}AMQP_URI=memory:\/\/ REDIS_URI=memory:\/\/ npx enoki run examples\/travel\/gateway\.ts /,
  );
  await curlTheQuickStart(port);
  await pressCtrlCOnDemo(demo);
  assert.equal(await deleteKeys(inProcessPrefix), 0, "nothing went to Redis");
});

test("the demo falls back only where it may: a variable that is set, or Redis without the broker, stops it", async () => {
  const closed = await freePort();
  const cases: { env: Record<string, string>; says: RegExp }[] = [
    // Set, so used as given: no fallback.
    {
      env: { AMQP_URI: `amqp://guest:guest@127.0.0.1:${closed}` },
      says: /cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+ \(connect ECONNREFUSED/,
    },
    {
      env: { AMQP_URI: uri, REDIS_URI: `redis://127.0.0.1:${closed}/0` },
      says: /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0/,
    },
    // RabbitMQ answers: the in-process store may not stand in for Redis next to it.
    {
      env: { DEMO_AMQP_URI: uri, DEMO_REDIS_URI: `redis://127.0.0.1:${closed}/0` },
      says: /cannot reach Redis at .*\n[\s\S]*AMQP_URI=memory:\/\/ REDIS_URI=memory:\/\/ npm run demo runs on both/,
    },
    {
      env: { AMQP_URI: uri, REDIS_URI: "memory://" },
      says: /REDIS_URI=memory:\/\/ \(Enoki's in-process store\) only runs with the in-process broker/,
    },
  ];
  for (const { env, says } of cases) {
    const demo = startCommand("npm", ["run", "demo"], { env: { ...env, PORT: String(await freePort()) } });
    const exit = await demo.exited;
    assert.equal(exit.code, 1, `${JSON.stringify(env)}: ${demo.stdout()}${demo.stderr()}`);
    assert.match(demo.stderr(), says);
    assert.doesNotMatch(demo.stdout(), /Starting the gateway/);
  }
});

test("the whole app with nothing installed: enoki run --broker memory://, REDIS_URI=memory://", async () => {
  const command = [...RUN_HERE].find((line) => line.startsWith("REDIS_URI=memory:// "));
  assert.ok(command !== undefined);
  const port = await freePort();
  // As written, but on a free port (config.yml reads WEB_SERVER_ADDRESS) and no RabbitMQ vhost.
  const cli = startReadmeCommand(command, {
    broker: false,
    env: { WEB_SERVER_ADDRESS: `127.0.0.1:${port}`, REDIS_KEY_PREFIX: inProcessPrefix },
  });
  const running = await cli.waitForLog(
    /"running services: gateway, airports_service, trips_service"/,
    60_000,
  );
  assert.match(
    cli.stderr(),
    /"msg":"broker memory:\/\/: Enoki's in-process broker; only the services of this process reach it/,
  );
  assert.equal(
    cli.stderr().match(/"msg":"Redis memory:\/\/: Enoki's in-process store/g)?.length,
    1,
    "said once",
  );
  await curlTheQuickStart(port);
  await pressCtrlC({ cli, pid: loggedPid(running) });
  assert.equal(await deleteKeys(inProcessPrefix), 0, "nothing went to Redis");
});

test("--watch: the README's command restarts the greeting service when hello.ts changes", async () => {
  const cli = startReadmeCommand("npx enoki run --watch examples/hello/hello.ts");
  const running = () =>
    cli
      .stderr()
      .split("\n")
      .filter((line) => line.includes('"running services: greeting_service"'));
  const first = loggedPid(await cli.waitForLog(/"running services: greeting_service"/, 60_000));
  await using cluster = await connect({ uri, logger: silentLogger });
  const hello = () => cluster.rpc.greeting_service!.hello!("world");
  assert.equal(await hello(), "Hello, world!");
  // A change to hello.ts: touched, not rewritten, as other tests run it at the same time.
  const now = new Date();
  utimesSync(join(repoRoot, "examples/hello/hello.ts"), now, now);
  await cli.waitForLog(/"examples\/hello\/hello\.ts changed: restarting the services"/);
  const answer = hello(); // sent while the services restart: it waits in the queue
  while (running().length < 2) {
    assert.ok(cli.child.exitCode === null, cli.stderr());
    await sleep(50);
  }
  const second = loggedPid(running()[1]!);
  assert.notEqual(second, first, "the new code runs in a new process");
  assert.equal(await answer, "Hello, world!");
  // Ctrl+C in its terminal: the services stop gracefully, then the watcher exits.
  signalGroup(cli.child.pid!, "SIGINT");
  await waitForPidExit(second);
  await cli.exited;
  assert.doesNotMatch(cli.stderr(), /again: killing|"level":50/, "a clean stop");
});

/** A shell session block: the statements to type, and what the REPL prints. */
function session(block: Block): { input: string[]; output: string[] } {
  const input: string[] = [];
  const output: string[] = [];
  for (const line of block.code.trimEnd().split("\n")) {
    if (line.startsWith("> ")) input.push(line.slice(2));
    else if (line.startsWith("...")) input.push(line.replace(/^\.\.\. ?/, ""));
    else output.push(line);
  }
  return { input, output };
}

/** Compares a block's printed lines with the README's, timings scaled and versions set aside. */
function assertSameOutput(actual: string[], expected: string[], what: string): void {
  const timing = /answered in (\d+) s$/;
  const normalize = (line: string) => line.replace(timing, "answered in N s").replace(" (version 2)", "");
  assert.deepEqual(actual.map(normalize), expected.map(normalize), what);
  actual.forEach((line, i) => {
    const seconds = Number(timing.exec(line)?.[1]);
    const readmeSeconds = Number(timing.exec(expected[i] ?? "")?.[1]);
    if (!Number.isNaN(readmeSeconds)) {
      assert.ok(
        Math.abs(seconds - readmeSeconds / SLEEP_FACTOR) <= 1,
        `${what}: "${line}", README: "${expected[i]}"`,
      );
    }
  });
}

test("the article's session, replayed as the README writes them", async () => {
  const blocks = readmeBlocks().filter((b) => b.lang === "js" && b.code.startsWith("> "));
  const firstHour = blocks.filter((b) => b.section === "The first hour (the article's session)");
  assert.equal(firstHour.length, 4, "the scenario below follows the README's four session blocks");

  const first = await startInstance("npx enoki run examples/hello/hello.ts");
  const shell = startReadmeCommand("npx enoki shell");
  let printed = 0;
  const type = async (block: Block, what: string): Promise<string[]> => {
    const { input, output } = session(block);
    const marker = `-- end of ${what} --`;
    for (const line of input) shell.write(`${line}\n`);
    shell.write(`"${marker}"\n`);
    const deadline = Date.now() + 30_000;
    while (!shell.stdout().includes(`'${marker}'\n`)) {
      assert.ok(shell.child.exitCode === null, `the shell exited: ${shell.stderr()}`);
      assert.ok(
        Date.now() < deadline,
        `${what} did not finish; stdout:\n${shell.stdout()}\nstderr:\n${shell.stderr()}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const lines = shell.stdout().slice(printed).split("\n").slice(0, -2); // drop the marker line
    printed = shell.stdout().length;
    assertSameOutput(lines, output, what);
    return lines;
  };

  await type(firstHour[0]!, "one instance");

  const second = await startInstance("npx enoki run examples/hello/hello.ts");
  await type(firstHour[1]!, "two instances");

  await pressCtrlC(second);
  const v2 = await startInstance("npx enoki run examples/hello/hello_v2.ts");
  const mixed = await type(firstHour[2]!, "versions 1 and 2");
  assert.ok(
    mixed.some((line) => line.includes("(version 2)")),
    mixed.join("\n"),
  );
  assert.ok(
    mixed.some((line) => /'Hello, \d!'/.test(line)),
    mixed.join("\n"),
  );

  await pressCtrlC(first);
  const restarted = await startInstance("node dist/cli/main.js run examples/hello/hello.ts");
  const killed = (async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    restarted.cli.child.kill("SIGINT"); // Ctrl+C twice, in the middle of the batch
    await restarted.cli.waitForLog(/stopping gracefully/);
    restarted.cli.child.kill("SIGINT");
    return restarted.cli.exited;
  })();
  await type(firstHour[3]!, "Ctrl+C twice");
  assert.deepEqual(await killed, { code: 130, signal: null });

  shell.child.stdin?.end();
  assert.deepEqual(await shell.exited, { code: 0, signal: null });
  assert.equal(shell.stderr().match(/Uncaught/), null, shell.stderr());
  await pressCtrlC(v2);
});

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
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { createVhost, uniqueName, vhostOf } from "../support/broker.js";
import {
  type CliProcess,
  killAllCli,
  loggedPid,
  repoRoot,
  signalGroup,
  waitForPidExit,
} from "../support/cli.js";
import { listBroker } from "../support/queues.js";
import {
  type Block,
  curlSessions,
  curlTheQuickStart,
  pressCtrlCOnDemo,
  README,
  readmeBlocks,
  startCommandLine,
  startDemo,
} from "../support/readme.js";
import { deleteKeys } from "../support/travel.js";

const demoPrefix = uniqueName("enoki-test-readme");
// Before createVhost's hook: processes go before their vhost.
after(async () => {
  await killAllCli();
  await deleteKeys(demoPrefix);
});
const { uri } = createVhost("enoki-test-readme");
const SLEEP_FACTOR = 5; // the README's greetings take 5 s, these take 1 s

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
  "node dist/cli/main.js run examples/hello/hello.ts",
  "MAX_WORKERS=2 npx enoki show-config --config examples/hello/config.yml",
]);

/** The other commands, with the file that exercises them and a string that shows it does. */
const RUN_ELSEWHERE: Readonly<Record<string, { file: string; evidence: string }>> = {
  "npm ci": { file: ".ci/run", evidence: "\nnpm ci" },
  "npm test": { file: ".ci/run", evidence: "\nnpm test" },
  "npm run test:unit": { file: "test/unit/scripts/run-tests.test.ts", evidence: '"test:unit"' },
  "npm run test:cluster": { file: "test/unit/scripts/run-tests.test.ts", evidence: '"test:cluster"' },
  "enoki run": { file: "test/examples/hello.test.ts", evidence: 'startCli(["run", module' },
  "enoki run hello.ts": { file: "test/integration/cli/run.test.ts", evidence: "/pair.ts`" },
  "enoki run hello": { file: "test/integration/cli/run.test.ts", evidence: "/single:" },
  "enoki show-config": {
    file: "test/integration/cli/show-config.test.ts",
    evidence: 'runCli(["show-config"',
  },
  "enoki dead-letters": {
    file: "test/integration/messaging/retry-dead-letter.test.ts",
    evidence: 'runCli(["dead-letters"',
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
  "REDIS_URI=memory:// npx enoki run examples/travel/gateway.ts examples/travel/airports.ts examples/travel/trips.ts --config examples/travel/config.yml --broker memory://":
    { file: "test/examples/readme-trying.test.ts", evidence: "startCommandLine(IN_PROCESS_APP, {" },
  "npx enoki run --watch examples/hello/hello.ts": {
    file: "test/examples/readme-trying.test.ts",
    evidence: "startCommandLine(WATCH, {",
  },
  "npm run bench": { file: "test/examples/bench.test.ts", evidence: 'execFile)("npm", ["run", "bench"]' },
  "npm run bench:broker": {
    file: "test/examples/bench-scripts.test.ts",
    evidence: 'await run("bench:broker")',
  },
  // "Quick start in a new project": run in a temporary project where this package's tarball is
  // installed in place of `npm install enoki` (test/examples/package.test.ts).
  "mkdir greeting && cd greeting": {
    file: "test/examples/package.test.ts",
    evidence: 'join(root, "greeting")',
  },
  "npm init -y": { file: "test/examples/package.test.ts", evidence: 'npm(["init", "-y"])' },
  "npm pkg set type=module": {
    file: "test/examples/package.test.ts",
    evidence: 'npm(["pkg", "set", "type=module"])',
  },
  "npm install enoki": {
    file: "test/examples/package.test.ts",
    evidence: 'npm(["install", join(root, packed.filename), ...devTools',
  },
  "npm install --save-dev typescript @types/node": {
    file: "test/examples/package.test.ts",
    evidence: '["typescript", "@types/node", "ioredis"]',
  },
  "npx enoki run greeting.ts": {
    file: "test/examples/package.test.ts",
    evidence: 'startService(t, "greeting.ts")',
  },
  "node call.js": { file: "test/examples/package.test.ts", evidence: 'node(["call.js"])' },
  "npx tsc": { file: "test/examples/package.test.ts", evidence: 'npx(["tsc"])' },
  "node client.js": { file: "test/examples/package.test.ts", evidence: 'node(["client.js"])' },
  "npx enoki run greeting.js": {
    file: "test/examples/package.test.ts",
    evidence: 'startService(t, "greeting.js", noTypeScript)',
  },
  "node --test": { file: "test/examples/package.test.ts", evidence: 'succeed(process.execPath, ["--test"])' },
  // Opt-in: runs when NAMEKO_PATH names a Nameko checkout (not installable in CI).
  "NAMEKO_PATH=~/src/nameko npm test -- test/interop": {
    file: "test/support/nameko-process.ts",
    evidence: "export const namekoPath = process.env.NAMEKO_PATH;",
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

/** Starts a README command line as written, on this file's vhost (unless `broker` is false). */
function startReadmeCommand(line: string, { broker = true } = {}): CliProcess {
  assert.ok(RUN_HERE.has(line), `not a README command run here: ${line}`);
  return startCommandLine(line, { ...(broker ? { AMQP_URI: uri } : {}), GREETING_SLEEP: "1" });
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

test("the quick start: npm run demo, then the curl sessions, as the README writes them", async () => {
  // RabbitMQ and Redis answer, so the demo uses them. DEMO_AMQP_URI points its first try at this
  // file's vhost, as AMQP_URI is not set: this is the path that could fall back, and must not.
  const { demo, port, printed } = await startDemo({ DEMO_AMQP_URI: uri, REDIS_KEY_PREFIX: demoPrefix });
  assert.match(
    printed,
    /\nEnoki travel demo\n {2}RabbitMQ {2}amqp:\/\/guest:\*\*\*@localhost\/enoki-test-readme/,
  );
  assert.doesNotMatch(printed, /in-process/);
  await curlTheQuickStart(port);
  const queues = listBroker("queues", vhostOf(uri), ["name"]).map((row) => row.name);
  for (const service of ["airports_service", "trips_service"])
    assert.ok(queues.includes(`rpc-${service}`), String(queues));
  await pressCtrlCOnDemo(demo);
  assert.doesNotMatch(demo.stderr(), /in-process/);
  assert.equal(await deleteKeys(demoPrefix), 4, "two airports, a trip, and the airports trips_service knows");
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

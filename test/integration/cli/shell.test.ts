/**
 * `enoki shell`: scripts piped on stdin (each statement awaited before the next), errors and exit
 * codes, tab completion of services and methods that answered, Ctrl+C at a terminal, and no
 * listening socket.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import repl from "node:repl";
import { PassThrough } from "node:stream";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { inspect, promisify } from "node:util";
import { shellNamespace } from "../../../src/cli/shell-namespace.js";
import type { Cluster, ServiceRunner } from "../../../src/index.js";
import {
  connect,
  MethodNotFound,
  RemoteError,
  rpc,
  runServices,
  service,
  silentLogger,
  UnknownService,
} from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { cliMain, killAllCli, runCli, scratchDir, startCli, startCommand } from "../../support/cli.js";
import { PYTHON } from "../../support/python.js";

const name = uniqueName("shell_greeting");

function makeService(serviceName: string) {
  @service(serviceName)
  class Greeting {
    @rpc
    hello(who: string, greeting = "Hello") {
      return `${greeting}, ${who}!`;
    }

    @rpc
    async slow(ms: number) {
      await sleep(ms);
      return ms;
    }

    @rpc
    fail() {
      throw new RangeError("bad value");
    }
  }
  return Greeting;
}

const scratch = scratchDir("cli-shell");
let runner: ServiceRunner;
let cluster: Cluster;
before(async () => {
  runner = await runServices([makeService(name)], {
    config: { AMQP_URI: brokerUri() },
    logger: silentLogger,
  });
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await killAllCli();
  await cluster?.close();
  await runner?.stop();
  scratch.remove();
});

/** Pipes `lines` into `enoki shell --broker <test vhost>`. */
function shell(lines: string[], args: string[] = []) {
  return runCli(["shell", "--broker", brokerUri(), ...args], { input: `${lines.join("\n")}\n` });
}

test("a piped session: every statement is awaited before the next, results print as in the REPL", async () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's substitution
  const config = scratch.write("shell.yml", "GREETING: ${SHELL_GREETING:Bonjour}\nmax_workers: 3\n");
  const { code, stdout, stderr } = await shell(
    [
      `await n.rpc.${name}.hello("world")`,
      `await n.rpc["${name}"].hello(kwargs({ who: "you", greeting: "Hi" }))`,
      // Pitfall: the REPL alone would evaluate the next line before this await settled.
      `const slow = await n.rpc.${name}.slow(300)`,
      "slow",
      "const started = Date.now()",
      `const calls = [300, 200, 100].map((ms) => n.rpc.${name}.slow.callAsync(ms))`,
      "await Promise.all(calls.map((call) => call.result()))",
      "Date.now() - started < 900 // the three calls ran side by side",
      "function add(a, b) {",
      "  return a + b",
      "}",
      "add(1, 2)",
      "",
      "n.config.GREETING",
      "n.config.max_workers",
      'console.log("to stdout"); console.error("to stderr")',
      `await n.dispatchEvent("${name}", "tested", { ok: true })`,
      `await n.rpc.${name}.hello.withOptions({ timeoutMs: 5000 })("options")`,
    ],
    ["--config", config],
  );
  assert.equal(stderr.includes("to stderr"), true, stderr);
  assert.equal(code, 0, stderr);
  assert.equal(
    stdout,
    [
      "'Hello, world!'",
      "'Hi, you!'",
      "300",
      "[ 300, 200, 100 ]",
      "true",
      "3",
      "'Bonjour'",
      "3",
      "to stdout",
      "'Hello, options!'",
      "",
    ].join("\n"),
  );
});

test("the first error ends the script: exit 1, the error and its line on stderr", async () => {
  const remote = await shell([
    `await n.rpc.${name}.hello("a")`,
    `await n.rpc.${name}.fail()`,
    `await n.rpc.${name}.hello("b")`,
  ]);
  assert.equal(remote.code, 1);
  assert.equal(remote.stdout, "'Hello, a!'\n");
  assert.match(remote.stderr, /^line 2: Uncaught RemoteError: ValueError bad value$/m);
  assert.doesNotMatch(remote.stderr, /Hello, b/);

  const ghost = uniqueName("ghost");
  const [unknown, syntax, unfinished, thrown] = await Promise.all([
    shell([`await n.rpc.${ghost}.hello()`]),
    shell(["1 +* 2"]),
    shell(["const x = {", "  a: 1,"]),
    shell(["1", 'throw new TypeError("thrown here")', "2"]),
  ]);
  assert.deepEqual(
    [unknown, syntax, unfinished, thrown].map((r) => [r.code, r.stdout]),
    [
      [1, ""],
      [1, ""],
      [1, ""],
      [1, "1\n"],
    ],
  );
  assert.match(
    unknown.stderr,
    new RegExp(`^line 1: Uncaught UnknownService: Unknown service \`${ghost}\`$`, "m"),
  );
  assert.match(syntax.stderr, /^line 1: Uncaught SyntaxError: Unexpected token '\*'$/m);
  assert.match(unfinished.stderr, /^line 2: Uncaught SyntaxError: the input ended inside a statement$/m);
  assert.match(thrown.stderr, /^line 2: Uncaught TypeError: thrown here$/m);
});

test(".exit ends a script early, with exit code 0", async () => {
  const { code, stdout } = await shell(["1", ".exit", "2"]);
  assert.equal(code, 0);
  assert.equal(stdout, "1\n");
});

test("--broker takes a broker list (kombu's syntax): the shell connects to the first that answers", async () => {
  const down = brokerUri().replace("@localhost/", "@127.0.0.1:1/");
  // The port is given: a URI without one would keep port 1 of the URI before it, as in kombu.
  const up = brokerUri().replace("@localhost/", "@localhost:5672/");
  const { code, stdout, stderr } = await runCli(["shell", "--broker", `${down};${up}`], {
    input: `await n.rpc.${name}.hello("list")\nn.config\n`,
  });
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^'Hello, list!'\n/);
  assert.match(
    stdout,
    /AMQP_URI: 'amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1\/[^;']+;amqp:\/\/guest:\*\*\*@localhost/,
  );
  assert.doesNotMatch(stdout + stderr, /guest:guest@/);
});

test("a client shown or converted to text is itself: no toString or valueOf call goes out", async () => {
  const n = shellNamespace(cluster);
  const client = n.rpc[name]!;
  assert.equal(String(client), `[RPC client of ${name}]`);
  assert.equal(inspect(client), `[RPC client of ${name}]`);
  assert.equal(JSON.stringify(client), "{}");
  // Nothing was called, so nothing answered: completion still knows no method.
  assert.deepEqual(Object.keys(client), []);
});

test("n.config holds the real URI but shows it masked, as show-config does", async () => {
  const configured = await connect({ config: { AMQP_URI: brokerUri() }, logger: silentLogger });
  try {
    const n = shellNamespace(configured);
    assert.equal(n.config.AMQP_URI, brokerUri());
    assert.match(inspect(n.config), /AMQP_URI: 'amqp:\/\/guest:\*\*\*@localhost/);
    assert.doesNotMatch(inspect(n.config), /guest:guest@/);
  } finally {
    await configured.close();
  }
});

test("tab completion offers the services and methods that answered, not mistyped names", async () => {
  const n = shellNamespace(cluster);
  const server = repl.start({
    input: new PassThrough(),
    output: new PassThrough(),
    terminal: false,
    prompt: "",
  });
  Object.assign(server.context, { n });
  const complete = (line: string) =>
    new Promise<string[]>((resolve, reject) =>
      server.completer(line, (err, result) =>
        err ? reject(err) : resolve((result?.[0] ?? []).filter(Boolean)),
      ),
    );
  try {
    assert.deepEqual(await complete("n.rpc."), []);
    const ghost = uniqueName("ghost");
    await assert.rejects(n.rpc[ghost]!.hello!(), UnknownService);
    await assert.rejects(n.rpc[name]!.nope!(), MethodNotFound);
    assert.deepEqual(await complete("n.rpc."), [`n.rpc.${name}`]);
    assert.deepEqual(await complete(`n.rpc.${name}.`), []);

    assert.equal(await n.rpc[name]!.hello!("x"), "Hello, x!");
    await assert.rejects(n.rpc[name]!.fail!(), RemoteError);
    assert.equal(await n.rpc[name]!.slow!.callAsync(1).result(), 1);
    assert.deepEqual((await complete(`n.rpc.${name}.`)).sort(), [
      `n.rpc.${name}.fail`,
      `n.rpc.${name}.hello`,
      `n.rpc.${name}.slow`,
    ]);
    assert.deepEqual(await complete(`n.rpc.${name.slice(0, -3)}`), [`n.rpc.${name}`]);
    assert.deepEqual(await complete(`n.rpc.${name}.he`), [`n.rpc.${name}.hello`]);
    assert.deepEqual((await complete("n.")).sort(), [
      "n.config",
      "n.disconnect",
      "n.dispatchEvent",
      "n.kwargs",
      "n.rpc",
    ]);
  } finally {
    server.close();
  }
});

test("on a terminal: a banner, the REPL, tab completion, .exit", async () => {
  // util-linux's `script` gives the shell a pseudo-terminal.
  const command = `${process.execPath} ${cliMain} shell --broker ${brokerUri()}`;
  const cli = startCommand("script", ["-qfec", command, "/dev/null"], { env: { HOME: scratch.dir } });
  const waitFor = async (text: string) => {
    const deadline = Date.now() + 15_000;
    while (!cli.stdout().includes(text)) {
      assert.ok(Date.now() < deadline, `no ${JSON.stringify(text)} in:\n${cli.stdout()}\n${cli.stderr()}`);
      await sleep(50);
    }
  };
  await waitFor("Enoki shell, broker amqp://guest:***@localhost/");
  cli.write(`await n.rpc.${name}.hello("terminal")\r`);
  await waitFor("Hello, terminal!");
  // Tab completes the service and the method that answered: this calls hello, not "hel".
  cli.write(`await n.rpc.${name.slice(0, -3)}\t`);
  await sleep(300);
  cli.write(".hel\t");
  await sleep(300);
  cli.write('("tab")\r');
  await waitFor("Hello, tab!");
  cli.write(".exit\r");
  assert.deepEqual(await cli.exited, { code: 0, signal: null });
});

test("the shell binds nothing on the network", async () => {
  const cli = startCli(["shell", "--broker", brokerUri()]);
  cli.write(`await n.rpc.${name}.hello("listening?")\n`);
  const deadline = Date.now() + 15_000;
  while (!cli.stdout().includes("'Hello, listening?!'")) {
    assert.ok(Date.now() < deadline, `no answer; stderr: ${cli.stderr()}`);
    await sleep(50);
  }
  const pid = cli.child.pid!;
  const sockets = socketInodes(pid);
  assert.ok(sockets.size > 0, "the shell should hold its broker connection");
  assert.deepEqual(listeningInodes(pid, sockets), []);
  cli.child.stdin?.end();
  assert.deepEqual(await cli.exited, { code: 0, signal: null });
});

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

// TCP sockets in state LISTEN (0A), and any bound UDP socket, among the process's sockets.
function listeningInodes(pid: number, inodes: Set<string>): string[] {
  const found: string[] = [];
  for (const table of ["tcp", "tcp6", "udp", "udp6"]) {
    const rows = readFileSync(`/proc/${pid}/net/${table}`, "utf8").trim().split("\n").slice(1);
    for (const row of rows) {
      const fields = row.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (inode !== undefined && inodes.has(inode) && (table.startsWith("udp") || state === "0A")) {
        found.push(`${table} ${local}`);
      }
    }
  }
  return found;
}

test("at a terminal, Ctrl+C abandons a call still waiting and the prompt comes back", async () => {
  // [typed, what the terminal shows before the next step]; the 20 s call is surely pending once
  // its line has been echoed and the REPL shows nothing more for it.
  const prompt = "> (\\x1b\\[[0-9;]*[A-Za-z])*$"; // the REPL's prompt, then its cursor moves
  const steps = [
    ["", prompt],
    [`await n.rpc.${name}.slow(20000)\r`, "slow\\(20000\\)"],
    ["\u0003", `interrupted by \`SIGINT\`[\\s\\S]*${prompt}`],
    [`await n.rpc.${name}.hello("again")\r`, "'Hello, again!'"],
  ];
  const { stdout } = await promisify(execFile)(PYTHON, [
    fileURLToPath(new URL("../../support/pty_run.py", import.meta.url)),
    JSON.stringify(steps),
    process.execPath,
    cliMain,
    "shell",
    "--broker",
    brokerUri(),
  ]);
  assert.match(stdout, /Script execution was interrupted by `SIGINT`/);
  assert.match(stdout, /'Hello, again!'/);
});

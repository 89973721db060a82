/**
 * `enoki run --watch` on RabbitMQ: a change to a module the services load, or to the config file,
 * restarts them after a graceful stop, with no call lost or run twice across the reload; several
 * files saved together make one restart; a compile error is shown and the watcher waits for the
 * fix; Ctrl+C stops both processes, and a watcher killed outright leaves no services behind.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Cluster } from "../../../src/index.js";
import { connect, silentLogger } from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import {
  type CliProcess,
  killAllCli,
  runCli,
  scratchDir,
  startCli,
  waitForPidExit,
} from "../../support/cli.js";

const scratch = scratchDir("cli-watch");
let cluster: Cluster;
before(async () => {
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await killAllCli();
  await cluster?.close();
  scratch.remove();
});

/**
 * A service whose `work(n)` appends n to `log` when it starts (so a call run twice shows twice),
 * takes `ms`, and answers `<version>:<n>`; the version comes from an imported module.
 */
function writeService(file: string, name: string, log: string, { ms = 150, tag = "" } = {}): string {
  return scratch.write(
    file,
    `import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { rpc, service } from "enoki";
import { VERSION } from "./${file.replace(/\.ts$/, "")}-version.js";

@service("${name}")
export class Worker {
  @rpc
  async work(n: number): Promise<string> {
    appendFileSync(${JSON.stringify(log)}, \`\${n}\\n\`);
    await sleep(${ms});
    return \`\${VERSION}${tag}:\${n}\`;
  }
}
`,
  );
}

function writeVersion(file: string, version: string): string {
  return scratch.write(`${file.replace(/\.ts$/, "")}-version.ts`, `export const VERSION = "${version}";\n`);
}

/** Starts `enoki run --watch <service> --config <config>` and waits until its services run. */
async function startWatching(service: string, config: string): Promise<CliProcess> {
  const cli = startCli(["run", "--watch", service, "--config", config, "--broker", brokerUri()]);
  await cli.waitForLog(/"running services: /, 60_000);
  return cli;
}

/** The parsed JSON log lines whose message matches `pattern`. */
function logs(cli: CliProcess, pattern: RegExp): Record<string, unknown>[] {
  return cli
    .stderr()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => pattern.test(String(line.msg)));
}

/** Waits until `count` log lines match `pattern`. */
async function waitForLogs(cli: CliProcess, pattern: RegExp, count: number, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (logs(cli, pattern).length < count) {
    assert.ok(cli.child.exitCode === null, `the watcher exited:\n${cli.stderr()}`);
    assert.ok(Date.now() < deadline, `fewer than ${count} logs matching ${pattern}:\n${cli.stderr()}`);
    await sleep(50);
  }
  return logs(cli, pattern);
}

function lines(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

const RUNNING = /^running services: /;
const RESTARTING = /changed: restarting the services$/;

test("a module edited while calls are in flight: a graceful stop, then the new code; no call lost or run twice", async () => {
  const name = uniqueName("watched");
  const log = `${scratch.dir}/${name}.calls`;
  const service = writeService("edited.ts", name, log);
  writeVersion("edited.ts", "v1");
  // Four workers and a prefetch of four: most calls wait in the queue while four run.
  const config = scratch.write("edited.yml", "max_workers: 4\n");
  const cli = await startWatching(service, config);

  const total = 80;
  const calls = Array.from({ length: total }, (_, n) => cluster.rpc[name]!.work!(n) as Promise<string>);
  while (lines(log).length < 12) await sleep(20);
  // The service file itself changes: its answers get a tag.
  writeService("edited.ts", name, log, { tag: "-edited" });
  const startedBefore = lines(log).map(Number);
  const answers = await Promise.all(calls);

  // Each call ran exactly once: none lost (its number is there), none run twice.
  const ran = lines(log).map(Number);
  assert.deepEqual(
    [...ran].sort((a, b) => a - b),
    Array.from({ length: total }, (_, n) => n),
  );

  // Every call answered, each with its own number, by the old code or the new.
  answers.forEach((answer, n) => {
    assert.match(answer, new RegExp(`^v1(-edited)?:${n}$`));
  });
  // The calls running (or done) when the file changed finished with the old code: a graceful stop.
  for (const n of startedBefore) assert.equal(answers[n], `v1:${n}`);
  const edited = answers.filter((answer) => answer.includes("-edited")).length;
  assert.ok(edited > 0, `${edited} of ${total} answered by the new code`);
  assert.equal(logs(cli, RESTARTING).length, 1, cli.stderr());
  assert.deepEqual(logs(cli, RESTARTING)[0]?.changed, [scratchPath(service)]);
  assert.equal(logs(cli, /^SIGTERM: stopping gracefully/).length, 1, "the old services stopped gracefully");
  assert.equal(logs(cli, /again: killing/).length, 0);
  const [first, second] = logs(cli, RUNNING);
  assert.notEqual(first?.pid, second?.pid, "a new process runs the new code");
  await stopWatching(cli);
});

test("several files saved together restart once; the config file is watched; a compile error waits for the fix", async () => {
  const name = uniqueName("watched");
  const log = `${scratch.dir}/${name}.calls`;
  const service = writeService("saved.ts", name, log, { ms: 1 });
  const version = writeVersion("saved.ts", "v1");
  const config = scratch.write("saved.yml", "max_workers: 2\nGREETING: one\n");
  const cli = await startWatching(service, config);
  assert.equal(await cluster.rpc[name]!.work!(1), "v1:1");

  // An editor's "save all": two modules and the config within a few milliseconds.
  writeVersion("saved.ts", "v2");
  await sleep(20);
  writeService("saved.ts", name, log, { ms: 1, tag: "-saved" });
  await sleep(20);
  writeFileSync(config, "max_workers: 2\nGREETING: two\n");
  await waitForLogs(cli, RUNNING, 2);
  assert.equal(await cluster.rpc[name]!.work!(2), "v2-saved:2");
  const restarts = logs(cli, RESTARTING);
  assert.equal(restarts.length, 1, "one restart for one save");
  assert.deepEqual(
    [...((restarts[0]?.changed ?? []) as string[])].sort(),
    [scratchPath(version), scratchPath(service), scratchPath(config)].sort(),
  );

  // The config alone.
  writeFileSync(config, "max_workers: 2\nGREETING: three\n");
  await waitForLogs(cli, RUNNING, 3);
  assert.deepEqual(logs(cli, RESTARTING)[1]?.changed, [scratchPath(config)]);

  // A mistake in an imported module: the child reports it and exits; the watcher stays.
  writeFileSync(version, 'export const VERSION: string = "v3;\n');
  await waitForLogs(cli, /^the services exited \(code 2\); restarting on the next change/, 1);
  assert.match(cli.stderr(), /enoki run: cannot compile .*saved\.ts: .*saved-version\.ts:1:\d+: /);
  assert.equal(cli.child.exitCode, null, "the watcher still runs");
  writeVersion("saved.ts", "v3");
  await waitForLogs(cli, RUNNING, 4);
  assert.equal(await cluster.rpc[name]!.work!(3), "v3-saved:3");
  await stopWatching(cli);
});

test("the watcher killed outright: the services stop on their own", async () => {
  const name = uniqueName("watched");
  const service = writeService("orphan.ts", name, `${scratch.dir}/${name}.calls`, { ms: 1 });
  writeVersion("orphan.ts", "v1");
  const cli = await startWatching(service, scratch.write("orphan.yml", "max_workers: 1\n"));
  const services = Number(logs(cli, RUNNING)[0]?.pid);
  assert.notEqual(services, cli.child.pid);
  cli.child.kill("SIGKILL");
  await waitForPidExit(services);
});

test("the watcher killed while the services load: they never start", async () => {
  const name = uniqueName("watched");
  const service = writeService("early.ts", name, `${scratch.dir}/${name}.calls`, { ms: 1 });
  writeVersion("early.ts", "v1");
  const cli = startCli(["run", "--watch", service, "--broker", brokerUri()]);
  // Logged just before the watcher starts the services' process, which then loads for a while.
  await cli.waitForLog(/"watching: /);
  cli.child.kill("SIGKILL");
  // The services' process holds the same stderr: it is closed once that process has gone too.
  const closed = once(cli.child.stderr!, "close");
  try {
    await Promise.race([
      closed,
      sleep(15_000).then(() => assert.fail(`the services' process outlived the watcher:\n${cli.stderr()}`)),
    ]);
    // It ended quietly, before starting anything: the watcher's line is all there is.
    const lines = cli.stderr().trimEnd().split("\n");
    assert.deepEqual(
      lines.map((line) => /"msg":"(watching): /.exec(line)?.[1] ?? line),
      ["watching"],
    );
  } finally {
    for (const line of logs(cli, /^starting services: /)) killPid(Number(line.pid));
  }
});

function killPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

test("a module that does not exist: nothing to watch, exit code 2 at once", async () => {
  const { code, stderr } = await runCli(["run", "--watch", `${scratch.dir}/nothing-here.ts`]);
  assert.equal(code, 2);
  assert.match(stderr, /^enoki run: no module .*nothing-here\.ts /);
});

/** Ctrl+C, as a terminal sends it to the watcher: both processes exit, with 0. */
async function stopWatching(cli: CliProcess): Promise<void> {
  const services = Number(logs(cli, RUNNING).at(-1)?.pid);
  cli.child.kill("SIGINT");
  assert.deepEqual(await cli.exited, { code: 0, signal: null });
  await waitForPidExit(services);
  assert.equal(logs(cli, /^SIGINT: stopping gracefully/).length, 1, cli.stderr());
}

/** A scratch file as the watcher names it: relative to the repository, where the CLI runs. */
function scratchPath(file: string): string {
  return file.slice(file.indexOf(".enoki-test/"));
}

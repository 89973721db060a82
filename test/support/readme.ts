/**
 * The README in tests: its sections' code blocks, the quick start's curl sessions run as a user
 * pastes them, `npm run demo`, and command lines run as written.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { type CliProcess, loggedPid, repoRoot, signalGroup, startCommand, waitForPidExit } from "./cli.js";
import { freePort } from "./travel.js";

/** README.md's text. */
export const README = readFileSync(join(repoRoot, "README.md"), "utf8");

/** A fenced code block, with the `##` section it is in. */
export interface Block {
  readonly section: string;
  readonly lang: string;
  readonly code: string;
}

export function readmeBlocks(): Block[] {
  const blocks: Block[] = [];
  let section = "";
  const pattern = /^## (.+)$|^```(\w*)\n([\s\S]*?)^```$/gm;
  for (const match of README.matchAll(pattern)) {
    if (match[1] !== undefined) section = match[1];
    else blocks.push({ section, lang: match[2] ?? "", code: match[3] ?? "" });
  }
  return blocks;
}

/** The quick start's curl sessions: run as shell scripts, each followed by its output. */
export function curlSessions(): { script: Block; output: Block }[] {
  const blocks = readmeBlocks();
  return blocks.flatMap((block, i) => {
    const output = blocks[i + 1];
    if (block.section !== "Quick start" || block.lang !== "sh" || !block.code.includes("curl ")) return [];
    assert.ok(output?.lang === "text", `the curl block is followed by its output:\n${block.code}`);
    return [{ script: block, output }];
  });
}

/**
 * Starts a README command line as written: `VAR=value` prefixes, then the program, with `env`
 * added (what a test needs besides, such as a free port); `npx` in a process group of its own, as
 * under a terminal, so that Ctrl+C can be sent to the whole group.
 */
export function startCommandLine(line: string, env: Record<string, string> = {}): CliProcess {
  const words = line.split(" ");
  const assignments = Object.fromEntries(
    words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split("=", 2) as [string, string]),
  );
  const [program, ...args] = words.filter((w) => !/^[A-Z_]+=/.test(w));
  return startCommand(program as string, args, {
    env: { ...env, ...assignments },
    detached: program === "npx",
  });
}

/** Resolves with the process's standard output once it contains `text`. */
export async function waitForOutput(cli: CliProcess, text: string, timeoutMs = 90_000): Promise<string> {
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
export async function curlTheQuickStart(port: number): Promise<void> {
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
export async function startDemo(
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
export async function pressCtrlCOnDemo(demo: CliProcess): Promise<void> {
  const enoki = loggedPid(await demo.waitForLog(/"running services: /));
  signalGroup(demo.child.pid!, "SIGINT");
  await waitForPidExit(enoki);
  await demo.exited;
  assert.match(demo.stderr(), /SIGINT: stopping gracefully/);
  assert.doesNotMatch(demo.stderr(), /again: killing|"level":50/, "a clean stop");
}

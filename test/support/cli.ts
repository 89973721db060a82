/**
 * Running the real `enoki` command in tests: `node dist/cli/main.js` (built by `npm test`'s
 * pretest), or a literal command line such as `npx enoki run examples/hello/hello.ts`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { uniqueName } from "./broker.js";

/** The repository root (the package). */
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
/** The built CLI. */
export const cliMain = join(repoRoot, "dist", "cli", "main.js");

/** How a process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running CLI process, with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stderr line matching `pattern` (rejects after `timeoutMs`). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Writes to standard input. */
  write(text: string): void;
}

/** Options for starting a CLI process. */
export interface StartOptions {
  /** Added to a clean environment (see {@link cliEnv}). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Start in a process group of its own, as a terminal does (for literal `npx` commands). */
  readonly detached?: boolean;
}

const running = new Set<ChildProcess>();
// Process groups of detached commands: `npx` may exit before the `node` it started.
const groups = new Set<number>();

/**
 * The environment of CLI processes: this one, minus `AMQP_URI` (tests pass the broker
 * explicitly), with info-level JSON logs so tests can wait for log lines.
 */
export function cliEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const { AMQP_URI: _ignored, ...env } = process.env;
  return { ...env, ENOKI_LOG_LEVEL: "info", ENOKI_LOG_FORMAT: "json", ...extra };
}

/** Starts `node dist/cli/main.js <args>`. */
export function startCli(args: readonly string[], options: StartOptions = {}): CliProcess {
  return startCommand(process.execPath, [cliMain, ...args], options);
}

/** Starts any command (such as `npx enoki ...`) with the CLI environment, in the repository. */
export function startCommand(
  command: string,
  args: readonly string[],
  options: StartOptions = {},
): CliProcess {
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: cliEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  running.add(child);
  if (options.detached && child.pid !== undefined) groups.add(child.pid);
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    for (const wake of waiters) wake();
  });
  const exited = once(child, "exit").then(([code, signal]) => {
    running.delete(child);
    for (const wake of waiters) wake();
    return { code, signal } as Exit;
  });
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    write: (text) => {
      child.stdin?.write(text);
    },
    waitForLog(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = err.split("\n").find((l) => pattern.test(l));
          if (line !== undefined) {
            done();
            resolve(line);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(new Error(`process exited before logging ${pattern}; stderr:\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; stderr:\n${err}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Runs `node dist/cli/main.js <args>` to the end, with `input` piped to it. */
export async function runCli(
  args: readonly string[],
  options: StartOptions & { input?: string; timeoutMs?: number } = {},
): Promise<Exit & { stdout: string; stderr: string }> {
  const cli = startCli(args, options);
  cli.child.stdin?.end(options.input ?? "");
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cli.child.kill("SIGKILL");
      reject(
        new Error(`enoki ${args.join(" ")} did not finish within ${timeoutMs} ms; stderr:\n${cli.stderr()}`),
      );
    }, timeoutMs);
  });
  try {
    const exit = await Promise.race([cli.exited, timeout]);
    return { ...exit, stdout: cli.stdout(), stderr: cli.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/** Kills every CLI process a test left running (for `after`). */
export async function killAllCli(): Promise<void> {
  for (const group of groups) signalGroup(group, "SIGKILL");
  groups.clear();
  await Promise.all(
    [...running].map(async (child) => {
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    }),
  );
}

/** Sends a signal to a whole process group, as a terminal does on Ctrl+C. */
export function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-group, signal);
  } catch {
    // the group has gone
  }
}

/** The pid of the Enoki process that wrote these logs (pino puts it on every line). */
export function loggedPid(logLine: string): number {
  const pid = (JSON.parse(logLine) as { pid?: unknown }).pid;
  if (typeof pid !== "number") throw new Error(`no pid in ${logLine}`);
  return pid;
}

/** Resolves once process `pid` has gone (rejects after `timeoutMs`). */
export async function waitForPidExit(pid: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} still runs after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited process whose parent has gone (Enoki under an npx that a signal ended) stays a
  // zombie until init reaps it, which can take a second or two here: it has exited all the same.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8"); // "<pid> (<command>) <state> ..."
    return stat[stat.lastIndexOf(") ") + 2] !== "Z";
  } catch {
    return true; // no /proc (not Linux): kill(pid, 0) is all there is
  }
}

/**
 * A directory for generated test modules inside the repository (in `.enoki-test/`, which git
 * and biome ignore), so their `import ... from "enoki"` resolves to this package. Removed by the
 * returned function.
 */
export function scratchDir(prefix: string): {
  dir: string;
  write(name: string, text: string): string;
  remove(): void;
} {
  const dir = join(repoRoot, ".enoki-test", uniqueName(prefix));
  mkdirSync(dir, { recursive: true });
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

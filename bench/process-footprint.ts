/**
 * A lighter process (issue 16, target 3): how long `enoki run` takes from spawn to its first
 * answered call, for the hello example compiled to JavaScript and as TypeScript (compiled on load
 * by tsx), and how much memory it holds once idle. Run as a container runs it: `node
 * dist/cli/main.js run <module>`, no npx.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { type Cluster, connect, silentLogger } from "enoki";

const root = fileURLToPath(new URL("..", import.meta.url));

/** What one start of the hello service measured. */
export interface Footprint {
  readonly startupMs: number;
  readonly idleRssMb: number;
}

/** The hello example compiled to JavaScript in .scratch/bench (inside the package, so `enoki` resolves). */
export function compileHello(): string {
  const out = join(root, ".scratch", "bench");
  mkdirSync(out, { recursive: true });
  execFileSync(
    process.execPath,
    [
      join(root, "node_modules", "typescript", "bin", "tsc"),
      ...["--ignoreConfig", "--outDir", out, "--rootDir", join(root, "examples", "hello")],
      ...["--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext"],
      ...["--skipLibCheck", "--types", "node", join(root, "examples", "hello", "hello.ts")],
    ],
    { stdio: "inherit" },
  );
  return join(out, "hello.js");
}

/** Starts `module` under `enoki run`, times the first answered call, then reads the idle RSS. */
export async function measureFootprint(uri: string, module: string): Promise<Footprint> {
  const client = await connect({ uri, logger: silentLogger });
  let child: ChildProcess | undefined;
  try {
    const started = performance.now();
    child = spawn(process.execPath, [join(root, "dist", "cli", "main.js"), "run", module], {
      env: { ...process.env, AMQP_URI: uri, GREETING_SLEEP: "0", ENOKI_LOG_LEVEL: "warn" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    await firstAnswer(client);
    const startupMs = performance.now() - started;
    await sleep(2000); // idle: startup garbage collected, timers settled
    return { startupMs, idleRssMb: rssMb(child.pid as number) };
  } finally {
    child?.kill();
    await client.close();
  }
}

/** Calls hello until it answers (an unknown service fails at once, so this polls). */
async function firstAnswer(client: Cluster): Promise<void> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    try {
      await client.rpc.greeting_service!.hello!.withOptions({ timeoutMs: 5_000 })("bench");
      return;
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await sleep(2);
    }
  }
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

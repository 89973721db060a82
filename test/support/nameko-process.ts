/**
 * A real Python Nameko service for the interop tier: test/support/nameko/interop_service.py run by
 * run_service.py, with the `nameko` package from `NAMEKO_PATH` (see test/interop/nameko.test.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { delimiter } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { PYTHON } from "./python.js";
import { delay, waitFor } from "./wait.js";

/** Where the `nameko` package is; the interop tier is skipped without it. */
export const namekoPath = process.env.NAMEKO_PATH;
/** The folder of the Python peers. */
export const peerDir = fileURLToPath(new URL("./nameko/", import.meta.url));

/** A Nameko process running test/support/nameko/interop_service.py, and the lines it printed. */
export interface NamekoProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
}

/**
 * Starts a Python peer: `run_service.py` by default; `script` and `extraPath` (more folders on
 * PYTHONPATH) for others.
 */
export async function startNameko(
  uri: string,
  script = "run_service.py",
  extraPath: readonly string[] = [],
): Promise<NamekoProcess> {
  const child = spawn(PYTHON, [`${peerDir}${script}`, uri], {
    cwd: peerDir,
    env: { ...process.env, PYTHONPATH: [namekoPath, ...extraPath, peerDir].join(delimiter) },
    stdio: ["pipe", "pipe", "pipe"],
  });
  // Nameko logs the tracebacks of the errors these tests raise on purpose: shown only if it fails.
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    await Promise.race([
      waitFor(() => lines.includes("READY"), "Nameko to start", 30_000),
      exited.then(() => {
        throw new Error(`Nameko did not start:\n${stderr}`);
      }),
    ]);
  } catch (err) {
    child.kill("SIGKILL"); // never assigned to the suite's variable: nothing else would stop it
    throw err;
  }
  return { child, lines };
}

/** Stops a Nameko process gracefully (it stops when its stdin closes), killing it if it hangs. */
export async function stopNameko(nameko: NamekoProcess | undefined): Promise<void> {
  if (nameko === undefined || nameko.child.exitCode !== null) return;
  const exited = new Promise((resolve) => nameko.child.once("exit", resolve));
  nameko.child.stdin?.end();
  if ((await Promise.race([exited, delay(10_000).then(() => "late")])) === "late") {
    nameko.child.kill("SIGKILL");
  }
}

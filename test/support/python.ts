/**
 * Running the py-amqp interop tap (test/support/py_tap.py) from tests.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { vhostOf } from "./broker.js";

const script = fileURLToPath(new URL("./py_tap.py", import.meta.url));

/** Debian's python3, which has python3-amqp (pyenv's python3 may not). */
export const PYTHON = "/usr/bin/python3";

export interface PyMessage {
  properties: Record<string, unknown>;
  headers: TypedValue | null;
  body: string;
}
export interface TypedValue {
  t: string;
  v: unknown;
}

/** A Python tap: the first message it receives, and `close()` (or `await using`) to stop it. */
export interface PythonTap extends AsyncDisposable {
  readonly message: Promise<PyMessage>;
  /** Stops the tap's process if it still runs (it stops by itself after its first message). */
  close(): Promise<void>;
}

/** Starts a Python tap; resolves once it is bound, with a promise of the first message. */
export async function pythonTap(uri: string, exchange: string, routingKey: string): Promise<PythonTap> {
  const child = spawn(PYTHON, [script, "localhost:5672", vhostOf(uri), exchange, routingKey], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = once(child, "exit").catch(() => undefined);
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill();
      await exited;
    }
  };
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.value !== "READY") {
    await close();
    throw new Error(`python tap did not start: ${String(first.value)}`);
  }
  const message = (async () => {
    const line = await iterator.next();
    child.kill();
    if (line.done) throw new Error("python tap ended without a message");
    return JSON.parse(line.value) as PyMessage;
  })();
  message.catch(() => undefined); // a test that fails before awaiting it closes the tap instead
  // An async function would flatten a returned promise: wrap it so callers get it unresolved.
  return { message, close, [Symbol.asyncDispose]: close };
}

/** Strips type annotations: `{t, v}` → plain value. */
export function untyped(value: TypedValue): unknown {
  if (value.t === "dict") {
    return Object.fromEntries(
      Object.entries(value.v as Record<string, TypedValue>).map(([k, v]) => [k, untyped(v)]),
    );
  }
  if (value.t === "list") return (value.v as TypedValue[]).map(untyped);
  return value.v;
}

const publishScript = fileURLToPath(new URL("./py_publish.py", import.meta.url));

/** Publishes one message with py-amqp (headers typed as Python writes them). */
export async function pythonPublish(
  uri: string,
  exchange: string,
  routingKey: string,
  body: string,
  properties: Record<string, unknown>,
): Promise<void> {
  const child = spawn(
    PYTHON,
    [publishScript, vhostOf(uri), exchange, routingKey, body, JSON.stringify(properties)],
    {
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const code = await new Promise((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`py_publish.py exited with ${code}`);
}

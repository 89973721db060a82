/**
 * What every benchmark script shares: a vhost of its own on the local broker, server processes
 * forked from bench/servers/, and the CPU time of servers and of the broker itself.
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const rabbitmqctl = (...args: string[]) => execFileSync("rabbitmqctl", ["-q", ...args], { stdio: "ignore" });

/** A fresh vhost on the local broker; `drop()` deletes it. */
export function benchVhost(prefix: string): { uri: string; drop: () => void } {
  const vhost = `${prefix}-${Date.now()}`;
  rabbitmqctl("add_vhost", vhost);
  rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
  return { uri: `amqp://guest:guest@localhost/${vhost}`, drop: () => rabbitmqctl("delete_vhost", vhost) };
}

/** Forks `bench/servers/<script>` with `[uri, ...args]`; resolves once it says it is ready. */
export function startServer(
  uri: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL(`./servers/${script}`, import.meta.url)), [uri, ...args], {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** The CPU seconds a server has used so far. */
export function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once("message", (m: { cpu: NodeJS.CpuUsage }) => resolve((m.cpu.user + m.cpu.system) / 1e6));
    child.send({ cmd: "cpu" });
  });
}

// The broker's CPU time (utime + stime of the Erlang VM), so a report shows what each side costs
// RabbitMQ: on 2 cores, every CPU-second the framework or its wire format spends is the broker's.
// Asked of the broker itself: other Erlang VMs (rabbitmqctl's own, other nodes) run beam.smp too.
const brokerPid = execFileSync("rabbitmqctl", ["-q", "eval", "list_to_integer(os:getpid())."])
  .toString()
  .trim();

/** The CPU seconds the broker has used so far. */
export function brokerCpu(): number {
  const fields = readFileSync(`/proc/${brokerPid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The median of `xs` (the upper one of an even count). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

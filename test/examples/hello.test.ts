/**
 * The article's experiments with examples/hello, run as written: real `enoki run` processes on
 * a vhost of their own (the example's service is `greeting_service`, unmodified), with each
 * greeting taking 1 s instead of 5.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Cluster } from "../../src/index.js";
import { connect, kwargs, silentLogger } from "../../src/index.js";
import { createVhost } from "../support/broker.js";
import { type CliProcess, killAllCli, startCli } from "../support/cli.js";

let cluster: Cluster;
// Registered before createVhost's, so it runs first: closing a client whose vhost is gone can hang.
after(async () => {
  await killAllCli();
  await cluster?.close();
});
const { uri } = createVhost("enoki-test-hello");
const V1 = "examples/hello/hello.ts";
const V2 = "examples/hello/hello_v2.ts";

before(async () => {
  cluster = await connect({ uri, logger: silentLogger });
});

/** `node dist/cli/main.js run <module> --broker <vhost>`, once its service is consuming. */
async function startHello(module: string): Promise<CliProcess> {
  const cli = startCli(["run", module, "--broker", uri], { env: { GREETING_SLEEP: "1" } });
  await cli.waitForLog(/"running services: greeting_service"/);
  return cli;
}

/** Sends `size` calls at once (`callAsync`), then waits for every reply. */
async function batch(size: number): Promise<{ replies: string[]; seconds: number }> {
  const started = performance.now();
  const greeting = cluster.rpc.greeting_service!;
  const calls = Array.from({ length: size }, (_, i) => greeting.hello!.callAsync(String(i)));
  const replies = (await Promise.all(calls.map((call) => call.result()))) as string[];
  return { replies, seconds: (performance.now() - started) / 1000 };
}

function expectedReplies(size: number, suffix = ""): string[] {
  return Array.from({ length: size }, (_, i) => `Hello, ${i}!${suffix}`);
}

/** Stops a process with SIGTERM and returns its exit code. */
async function stop(cli: CliProcess): Promise<number | null> {
  cli.child.kill("SIGTERM");
  return (await cli.exited).code;
}

test("one instance: hello answers; 5 concurrent calls take about 1 s, 20 about 2 s", async () => {
  const cli = await startHello(V1);
  assert.equal(await cluster.rpc.greeting_service!.hello!(kwargs({ name: "world" })), "Hello, world!");

  const five = await batch(5);
  assert.deepEqual(five.replies, expectedReplies(5));
  assert.ok(five.seconds < 2.5, `5 calls took ${five.seconds} s`);

  // 10 workers: two rounds of 1 s.
  const twenty = await batch(20);
  assert.deepEqual(twenty.replies, expectedReplies(20));
  assert.ok(twenty.seconds >= 1.8 && twenty.seconds < 3.5, `20 calls took ${twenty.seconds} s`);
  assert.equal(await stop(cli), 0);
});

test("a second instance shares the batch: 20 calls take about 1 s", async () => {
  const instances = await Promise.all([startHello(V1), startHello(V1)]);
  const twenty = await batch(20);
  assert.deepEqual(twenty.replies, expectedReplies(20));
  assert.ok(twenty.seconds < 2.5, `20 calls on two instances took ${twenty.seconds} s`);
  assert.deepEqual(await Promise.all(instances.map(stop)), [0, 0]);
});

test("version 1 and version 2 side by side both answer one batch", async () => {
  const instances = await Promise.all([startHello(V1), startHello(V2)]);
  const { replies } = await batch(10);
  const v2 = replies.filter((reply) => reply.endsWith(" (version 2)"));
  assert.ok(v2.length > 0 && v2.length < 10, `replies: ${replies.join(", ")}`);
  assert.deepEqual(
    replies.map((reply) => reply.replace(" (version 2)", "")),
    expectedReplies(10),
  );
  assert.deepEqual(await Promise.all(instances.map(stop)), [0, 0]);
});

test("SIGKILL of one instance mid-batch loses no call: the other answers them all", async () => {
  const [v1, v2] = await Promise.all([startHello(V1), startHello(V2)]);
  const pending = batch(20);
  await new Promise((resolve) => setTimeout(resolve, 400)); // both instances are mid-call
  v1!.child.kill("SIGKILL");
  const { replies, seconds } = await pending;
  // Version 1 died before finishing anything: every reply, its calls' included, is version 2's.
  assert.deepEqual(replies, expectedReplies(20, " (version 2)"));
  assert.ok(seconds >= 1.8, `the killed instance's calls ran again, so ${seconds} s is too fast`);
  assert.equal((await v1!.exited).signal, "SIGKILL");
  assert.equal(await stop(v2!), 0);
});

test("Ctrl+C twice mid-batch kills the instance (exit 130); its calls are answered by the other", async () => {
  const [v1, v2] = await Promise.all([startHello(V1), startHello(V2)]);
  const pending = batch(20);
  await new Promise((resolve) => setTimeout(resolve, 400));
  v1!.child.kill("SIGINT");
  await v1!.waitForLog(/stopping gracefully/);
  v1!.child.kill("SIGINT");
  assert.equal((await v1!.exited).code, 130);
  assert.match(v1!.stderr(), /SIGINT again: killing/);
  const { replies } = await pending;
  assert.deepEqual(replies, expectedReplies(20, " (version 2)"));
  assert.equal(await stop(v2!), 0);
});

test("SIGTERM lets in-flight calls finish, answers them, and exits 0", async () => {
  const cli = await startHello(V1);
  const pending = batch(5);
  await new Promise((resolve) => setTimeout(resolve, 400));
  cli.child.kill("SIGTERM");
  const [{ replies }, exit] = await Promise.all([pending, cli.exited]);
  assert.deepEqual(replies, expectedReplies(5));
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(cli.stderr(), /SIGTERM: stopping gracefully/);
});

/**
 * The README's ways to try Enoki with nothing installed, and to edit while it runs, executed: the
 * quick start's demo when neither RabbitMQ nor Redis answers (it runs in process and says so), the
 * cases where it must not fall back, the travel app on `enoki run --broker memory://`, and
 * `enoki run --watch`. readme.test.ts names this file for the commands it runs.
 */
import assert from "node:assert/strict";
import { utimesSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, silentLogger } from "../../src/index.js";
import { createVhost, uniqueName } from "../support/broker.js";
import {
  killAllCli,
  loggedPid,
  repoRoot,
  signalGroup,
  startCommand,
  waitForPidExit,
} from "../support/cli.js";
import {
  curlTheQuickStart,
  pressCtrlCOnDemo,
  README,
  startCommandLine,
  startDemo,
} from "../support/readme.js";
import { deleteKeys, freePort } from "../support/travel.js";

// The demo and enoki run on the in-process broker and store: nothing of theirs may reach Redis.
const inProcessPrefix = uniqueName("enoki-test-readme-memory");
// Before createVhost's hook: processes go before their vhost.
after(async () => {
  await killAllCli();
  await deleteKeys(inProcessPrefix);
});
const { uri } = createVhost("enoki-test-trying");

/** The README's commands this file runs as written (readme.test.ts checks they are covered). */
const IN_PROCESS_APP =
  "REDIS_URI=memory:// npx enoki run examples/travel/gateway.ts examples/travel/airports.ts examples/travel/trips.ts --config examples/travel/config.yml --broker memory://";
const WATCH = "npx enoki run --watch examples/hello/hello.ts";

test("the README shows the commands run here", () => {
  for (const command of [IN_PROCESS_APP, WATCH]) assert.ok(README.includes(`\n${command}\n`), command);
});

const IN_PROCESS = /in-process/;

test("the quick start with no RabbitMQ nor Redis: the demo runs in process and says so, once each", async () => {
  // Nothing listens where the demo looks first: a machine with nothing installed.
  const [noRabbitMq, noRedis] = [await freePort(), await freePort()];
  const { demo, port, printed } = await startDemo({
    DEMO_AMQP_URI: `amqp://guest:guest@127.0.0.1:${noRabbitMq}`,
    DEMO_REDIS_URI: `redis://127.0.0.1:${noRedis}/0`,
    REDIS_KEY_PREFIX: inProcessPrefix,
  });
  const notes = printed.split("\n").filter((line) => IN_PROCESS.test(line));
  assert.deepEqual(notes.slice(0, 2), [
    `RabbitMQ does not answer at amqp://guest:***@127.0.0.1:${noRabbitMq} (connect ECONNREFUSED 127.0.0.1:${noRabbitMq}), so the demo runs on Enoki's in-process broker (memory://); to use RabbitMQ, start it or set AMQP_URI=amqp://user:password@host.`,
    `Redis does not answer at redis://127.0.0.1:${noRedis}/0 (connect ECONNREFUSED 127.0.0.1:${noRedis}), so the demo keeps its data in Enoki's in-process store (memory://), gone when it stops; to use Redis, start it or set REDIS_URI=redis://host:6379/0.`,
  ]);
  assert.match(
    printed,
    /\n {2}AMQP_URI=memory:\/\/ REDIS_URI=memory:\/\/ npx enoki run examples\/travel\/gateway\.ts /,
  );
  await curlTheQuickStart(port);
  await pressCtrlCOnDemo(demo);
  assert.equal(await deleteKeys(inProcessPrefix), 0, "nothing went to Redis");
});

test("the demo falls back only where it may: a variable that is set, or Redis without the broker, stops it", async () => {
  const closed = await freePort();
  const cases: { env: Record<string, string>; says: RegExp }[] = [
    // Set, so used as given: no fallback.
    {
      env: { AMQP_URI: `amqp://guest:guest@127.0.0.1:${closed}` },
      says: /cannot reach RabbitMQ at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+ \(connect ECONNREFUSED/,
    },
    {
      env: { AMQP_URI: uri, REDIS_URI: `redis://127.0.0.1:${closed}/0` },
      says: /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/0/,
    },
    // RabbitMQ answers: the in-process store may not stand in for Redis next to it.
    {
      env: { DEMO_AMQP_URI: uri, DEMO_REDIS_URI: `redis://127.0.0.1:${closed}/0` },
      says: /cannot reach Redis at .*\n[\s\S]*AMQP_URI=memory:\/\/ REDIS_URI=memory:\/\/ npm run demo runs on both/,
    },
    {
      env: { AMQP_URI: uri, REDIS_URI: "memory://" },
      says: /REDIS_URI=memory:\/\/ \(Enoki's in-process store\) only runs with the in-process broker/,
    },
  ];
  // The script npm run demo runs, directly (npm adds a second of start-up), all at once.
  await Promise.all(
    cases.map(async ({ env, says }) => {
      const demo = startCommand(process.execPath, ["scripts/demo.mjs"], {
        env: { ...env, PORT: String(await freePort()) },
      });
      const exit = await demo.exited;
      assert.equal(exit.code, 1, `${JSON.stringify(env)}: ${demo.stdout()}${demo.stderr()}`);
      assert.match(demo.stderr(), says);
      assert.doesNotMatch(demo.stdout(), /Starting the gateway/);
    }),
  );
});

test("the whole app with nothing installed: enoki run --broker memory://, REDIS_URI=memory://", async () => {
  const port = await freePort();
  // As written, but on a free port (config.yml reads WEB_SERVER_ADDRESS).
  const cli = startCommandLine(IN_PROCESS_APP, {
    WEB_SERVER_ADDRESS: `127.0.0.1:${port}`,
    REDIS_KEY_PREFIX: inProcessPrefix,
  });
  const running = await cli.waitForLog(
    /"running services: gateway, airports_service, trips_service"/,
    60_000,
  );
  assert.match(
    cli.stderr(),
    /"msg":"broker memory:\/\/: Enoki's in-process broker; only the services of this process reach it/,
  );
  assert.equal(
    cli.stderr().match(/"msg":"Redis memory:\/\/: Enoki's in-process store/g)?.length,
    1,
    "said once",
  );
  await curlTheQuickStart(port);
  signalGroup(cli.child.pid!, "SIGINT"); // Ctrl+C in its terminal
  await waitForPidExit(loggedPid(running));
  assert.equal(await deleteKeys(inProcessPrefix), 0, "nothing went to Redis");
});

test("--watch: the README's command restarts the greeting service when hello.ts changes", async () => {
  const cli = startCommandLine(WATCH, { AMQP_URI: uri, GREETING_SLEEP: "1" });
  const running = () =>
    cli
      .stderr()
      .split("\n")
      .filter((line) => line.includes('"running services: greeting_service"'));
  const first = loggedPid(await cli.waitForLog(/"running services: greeting_service"/, 60_000));
  await using cluster = await connect({ uri, logger: silentLogger });
  const hello = () => cluster.rpc.greeting_service!.hello!("world");
  assert.equal(await hello(), "Hello, world!");
  // A change to hello.ts: touched, not rewritten, as other tests run it at the same time.
  const now = new Date();
  utimesSync(join(repoRoot, "examples/hello/hello.ts"), now, now);
  await cli.waitForLog(/"examples\/hello\/hello\.ts changed: restarting the services"/);
  const answer = hello(); // sent while the services restart: it waits in the queue
  while (running().length < 2) {
    assert.ok(cli.child.exitCode === null, cli.stderr());
    await sleep(50);
  }
  const second = loggedPid(running()[1]!);
  assert.notEqual(second, first, "the new code runs in a new process");
  assert.equal(await answer, "Hello, world!");
  // Ctrl+C in its terminal: the services stop gracefully, then the watcher exits.
  signalGroup(cli.child.pid!, "SIGINT");
  await waitForPidExit(second);
  await cli.exited;
  assert.doesNotMatch(cli.stderr(), /again: killing|"level":50/, "a clean stop");
});

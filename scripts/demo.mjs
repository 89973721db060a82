#!/usr/bin/env node
// npm run demo: the travel example (examples/travel) in this one process, against the local
// RabbitMQ and Redis, or on Enoki's in-process broker and store where those are not running. It
// checks that the port is free, runs the gateway, airports_service and trips_service exactly as
// `enoki run` does, waits until the gateway answers, prints curl commands to try, and runs until
// Ctrl+C (once: stop gracefully; twice: kill).
//
//   npm run demo                port 8000
//   PORT=8080 npm run demo      another port
//
// examples/travel/config.yml reads AMQP_URI, REDIS_URI and REDIS_KEY_PREFIX from the environment.
//
// Where it runs. AMQP_URI and REDIS_URI, when set, are used as given: one that does not answer
// is an error. Unset, the demo tries RabbitMQ and Redis on localhost (config.yml's defaults),
// and where one does not answer it runs on Enoki's own in-process broker (AMQP_URI memory://) or
// store (REDIS_URI memory://) instead, saying so in one line, so that a first run needs nothing
// installed. The in-process store only goes with the in-process broker (enoki/redis refuses it
// next to a real broker): with RabbitMQ running and Redis not, the demo stops and says why.
// DEMO_AMQP_URI and DEMO_REDIS_URI move where it tries first (test/examples/readme.test.ts points
// them at closed ports to play a machine with nothing installed).
import { existsSync } from "node:fs";
import { createServer, connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(root, "dist", "cli", "main.js");
const CONFIG = "examples/travel/config.yml";
const MODULES = ["gateway", "airports", "trips"].map((name) => `examples/travel/${name}.ts`);
// The demo is for this machine only: the gateway listens on loopback.
const HOST = "127.0.0.1";
const CHECK_TIMEOUT_MS = 3_000;
const READY_TIMEOUT_MS = 60_000;

/** The session to try, as the README shows it (test/examples/readme.test.ts keeps them equal). */
function session(port) {
  return `FIRST=$(curl -s -d '{"airport": "first_airport"}' localhost:8000/airport)
SECOND=$(curl -s -d '{"airport": "second_airport"}' localhost:8000/airport)
curl -w '\\n' localhost:8000/airport/$FIRST
curl -w '\\n' localhost:8000/airport/$SECOND
TRIP=$(curl -s -d "{\\"airport_from\\": \\"$FIRST\\", \\"airport_to\\": \\"$SECOND\\"}" localhost:8000/trip)
curl -w '\\n' localhost:8000/trip/$TRIP
`.replaceAll("localhost:8000", `localhost:${port}`);
}

function fail(message) {
  process.stderr.write(`\nnpm run demo: ${message}\n`);
  process.exit(1);
}

function parsePort(text) {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65_535) {
    fail(`PORT must be a port number from 1 to 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

/** Why nothing can listen on the port, or undefined when it is free. */
function portProblem(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (err) => {
      if (err.code === "EADDRINUSE") {
        resolve(
          `port ${port} is taken (by an earlier demo still running, or another program).\n` +
            "Stop that program, or choose another port: PORT=8080 npm run demo",
        );
      } else if (err.code === "EACCES") {
        resolve(`port ${port} needs more privileges. Choose another: PORT=8080 npm run demo`);
      } else {
        resolve(`cannot listen on ${HOST}:${port}: ${err.message}`);
      }
    });
    server.listen(port, HOST, () => server.close(() => resolve(undefined)));
  });
}

/**
 * Connects to host:port; with `greeting`, sends it and waits for the first bytes of an answer.
 * Resolves with what went wrong, or undefined when the server answered.
 */
function tcpProblem(host, port, greeting) {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const done = (problem) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(CHECK_TIMEOUT_MS, () => done(`no answer from ${host}:${port} within 3 s`));
    socket.once("error", (err) => done(err.message));
    socket.once("connect", () => {
      if (greeting === undefined) done(undefined);
      else socket.write(greeting);
    });
    socket.once("data", () => done(undefined));
  });
}

function hostAndPort(uri, defaultPort) {
  const url = new URL(uri);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1") || "localhost";
  return { host, port: url.port === "" ? defaultPort : Number(url.port) };
}

const MEMORY = "memory://";
const isMemory = (uri) => /^memory:/i.test(uri);

/** Why RabbitMQ does not answer at `uri`, or undefined when it does. */
function rabbitMqProblem(uri) {
  const scheme = new URL(uri).protocol;
  const { host, port } = hostAndPort(uri, scheme === "amqps:" ? 5671 : 5672);
  return tcpProblem(host, port);
}

/** Why Redis does not answer at `uri`, or undefined when it does. */
function redisProblem(uri) {
  const { host, port } = hostAndPort(uri, 6379);
  // A plain-text PING shows it is Redis that answers; over TLS, connecting has to do.
  return tcpProblem(host, port, uri.startsWith("rediss:") ? undefined : "PING\r\n");
}

const START_RABBITMQ =
  "Start it (sudo systemctl start rabbitmq-server, or: docker run -d -p 5672:5672 rabbitmq:3.13),\n" +
  "or point AMQP_URI at yours: AMQP_URI=amqp://user:password@host npm run demo";
const START_REDIS =
  "Start it (sudo systemctl start redis-server, or: docker run -d -p 6379:6379 redis:7),\n" +
  "or point REDIS_URI at yours: REDIS_URI=redis://host:6379/0 npm run demo";

/**
 * The broker to run on: AMQP_URI as given, else RabbitMQ where it answers (DEMO_AMQP_URI, else
 * config.yml's default), else Enoki's in-process broker. Returns the URI and the line that
 * announces the fallback, if any.
 */
async function chooseBroker(env, configured, maskUri) {
  if (env.AMQP_URI) {
    const problem = isMemory(configured) ? undefined : await rabbitMqProblem(configured);
    if (problem !== undefined)
      fail(`cannot reach RabbitMQ at ${maskUri(configured)} (${problem}).\n${START_RABBITMQ}`);
    return { uri: configured };
  }
  const tried = env.DEMO_AMQP_URI || configured;
  const problem = await rabbitMqProblem(tried);
  if (problem === undefined) return { uri: tried };
  return {
    uri: MEMORY,
    note:
      `RabbitMQ does not answer at ${maskUri(tried)} (${problem}), so the demo runs on Enoki's in-process ` +
      "broker (memory://); to use RabbitMQ, start it or set AMQP_URI=amqp://user:password@host.",
  };
}

/**
 * The Redis to keep data in: REDIS_URI as given, else Redis where it answers (DEMO_REDIS_URI,
 * else config.yml's default), else, with the in-process broker only, Enoki's in-process store.
 */
async function chooseRedis(env, configured, broker, maskUri) {
  const inProcessBroker = isMemory(broker);
  if (env.REDIS_URI) {
    if (isMemory(configured)) {
      if (!inProcessBroker) {
        fail(
          "REDIS_URI=memory:// (Enoki's in-process store) only runs with the in-process broker, " +
            `not with RabbitMQ at ${maskUri(broker)}.\nUse a real Redis, or run both in process: ` +
            "AMQP_URI=memory:// REDIS_URI=memory:// npm run demo",
        );
      }
      return { uri: configured };
    }
    const problem = await redisProblem(configured);
    if (problem !== undefined)
      fail(`cannot reach Redis at ${maskUri(configured)} (${problem}).\n${START_REDIS}`);
    return { uri: configured };
  }
  const tried = env.DEMO_REDIS_URI || configured;
  const problem = await redisProblem(tried);
  if (problem === undefined) return { uri: tried };
  if (!inProcessBroker) {
    fail(
      `cannot reach Redis at ${maskUri(tried)} (${problem}).\n${START_REDIS}\n` +
        "(Enoki's in-process store stands in for Redis only with the in-process broker: " +
        "AMQP_URI=memory:// REDIS_URI=memory:// npm run demo runs on both.)",
    );
  }
  return {
    uri: MEMORY,
    note:
      `Redis does not answer at ${maskUri(tried)} (${problem}), so the demo keeps its data in Enoki's ` +
      "in-process store (memory://), gone when it stops; to use Redis, start it or set REDIS_URI=redis://host:6379/0.",
  };
}

/** A port nothing listens on now, for the health server. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether every service runs: connected to RabbitMQ, consuming, the gateway's port open. */
async function ready(healthAddress) {
  try {
    const response = await fetch(`http://${healthAddress}/health/ready`, {
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function announceWhenReady(port, healthAddress) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await ready(healthAddress)) {
      process.stdout.write(
        `\nThe travel app is running: the gateway answers on http://localhost:${port}.\n` +
          `Try it from another terminal:\n\n${session(port)}\nCtrl+C stops it.\n`,
      );
      return;
    }
    await sleep(250);
  }
  process.stderr.write(
    `\nnpm run demo: the gateway did not answer within ${READY_TIMEOUT_MS / 1000} s; see the log above.\n`,
  );
}

async function main() {
  if (!existsSync(CLI)) fail("dist/ is missing: run npm ci first (it builds dist/), or npm run build.");
  const port = parsePort(process.env.PORT ?? "8000");
  process.chdir(root);
  const { loadConfigFile, maskUri } = await import("enoki");
  let config;
  try {
    config = await loadConfigFile(CONFIG);
  } catch (err) {
    fail(err.message);
  }
  const portTaken = await portProblem(port);
  if (portTaken !== undefined) fail(portTaken);
  const broker = await chooseBroker(process.env, String(config.AMQP_URI), maskUri);
  const store = await chooseRedis(process.env, String(config.REDIS_URIS?.development), broker.uri, maskUri);
  const notes = [broker.note, store.note].filter((note) => note !== undefined);
  const inProcess = (uri, what) => (isMemory(uri) ? `memory://, Enoki's in-process ${what}` : maskUri(uri));
  // How to run the same with `enoki run`: config.yml reads both from the environment.
  const variables = [
    ...(isMemory(broker.uri) ? [`AMQP_URI=${MEMORY}`] : []),
    ...(isMemory(store.uri) ? [`REDIS_URI=${MEMORY}`] : []),
  ];
  process.stdout.write(
    `${notes.map((note) => `${note}\n`).join("")}${notes.length > 0 ? "\n" : ""}` +
      `Enoki travel demo\n  ${isMemory(broker.uri) ? "Broker  " : "RabbitMQ"}  ${inProcess(broker.uri, "broker")}\n` +
      `  Redis     ${inProcess(store.uri, "store")} (keys ${config.REDIS_KEY_PREFIX}:*)\n\n` +
      "Starting the gateway, airports_service and trips_service in this process, as\n" +
      `  ${[...variables, "npx enoki run", ...MODULES].join(" ")} --config ${CONFIG}\n\n`,
  );

  // Run `enoki run` itself, in this process: the same logs, and the same Ctrl+C handling (a child
  // process would get every Ctrl+C twice, once from the terminal and once forwarded).
  // config.yml and `enoki run` read the broker and Redis chosen above from the environment.
  // The health server (off by default) tells when every service is up.
  process.env.AMQP_URI = broker.uri;
  process.env.REDIS_URI = store.uri;
  process.env.WEB_SERVER_ADDRESS = `${HOST}:${port}`;
  process.env.HEALTH_ADDRESS = `${HOST}:${await freePort()}`;
  process.argv = [process.execPath, CLI, "run", ...MODULES, "--config", CONFIG];
  void announceWhenReady(port, process.env.HEALTH_ADDRESS);
  await import(pathToFileURL(CLI).href); // `enoki run` exits the process when the services stop
}

await main();

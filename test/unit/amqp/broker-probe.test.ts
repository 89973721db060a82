import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Server } from "node:net";
import { test } from "node:test";
import { acceptsConnections, brokerComingBack } from "../../../src/amqp/broker-probe.js";

async function listen(port = 0): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return server;
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));
const portOf = (server: Server) => (server.address() as AddressInfo).port;

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = await listen();
  const port = portOf(server);
  await close(server);
  return port;
}

test("a probe is a TCP connect: true where something listens, false where nothing does", async () => {
  const server = await listen();
  try {
    assert.equal(await acceptsConnections({ hostname: "127.0.0.1", port: portOf(server) }), true);
    assert.equal(await acceptsConnections({ hostname: "127.0.0.1", port: await freePort() }), false);
  } finally {
    await close(server);
  }
});

test("a broker that was down is reported as soon as it accepts connections again", async () => {
  const port = await freePort();
  const other = await freePort();
  const addresses = [
    { hostname: "127.0.0.1", port: other },
    { hostname: "127.0.0.1", port },
  ];
  const stop = new AbortController();
  const down = [true, true];
  const watching = brokerComingBack(addresses, down, 50, stop.signal);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const server = await listen(port);
  const opened = performance.now();
  try {
    assert.equal(await watching, 1);
    const after = performance.now() - opened;
    assert.ok(after < 1_000, `reported ${after} ms after it listened`);
    assert.deepEqual(down, [true, false]);
  } finally {
    stop.abort();
    await close(server);
  }
});

test("a broker that was not down is not reported for accepting (it failed for another reason)", async () => {
  const server = await listen();
  try {
    const stop = new AbortController();
    const watching = brokerComingBack(
      [{ hostname: "127.0.0.1", port: portOf(server) }],
      [false],
      20,
      stop.signal,
    );
    setTimeout(() => stop.abort(), 300);
    assert.equal(await watching, undefined);
  } finally {
    await close(server);
  }
});

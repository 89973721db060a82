/**
 * `amqps://` with TLS options from config (Nameko's AMQP_SSL keys): the broker's certificate is
 * checked against the configured CA, and the client certificate is presented.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, rpc, runServices, ServiceRunner, service, silentLogger } from "../../../src/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { captureLogs } from "../../support/log-capture.js";
import { makePki, type TestPki, tlsProxy } from "../../support/tls.js";

let pki: TestPki;
let proxy: Awaited<ReturnType<typeof tlsProxy>>;
let amqps: string;
before(async () => {
  pki = makePki();
  proxy = await tlsProxy(pki);
  amqps = `amqps://guest:guest@localhost:${proxy.port}/${encodeURIComponent(vhostOf(brokerUri()))}`;
});
after(async () => {
  await proxy?.close();
  pki?.remove();
});

function makeService(name: string) {
  @service(name)
  class Secure {
    @rpc
    ping() {
      return "pong over TLS";
    }
  }
  return Secure;
}

test("services and clients connect over TLS with a CA and a client certificate (Nameko's AMQP_SSL)", async () => {
  const name = uniqueName("secure");
  const config = {
    AMQP_URI: amqps,
    AMQP_SSL: {
      ca_certs: pki.path("ca.pem"),
      certfile: pki.path("client.pem"),
      keyfile: pki.path("client.key"),
    },
  };
  await using _runner = await runServices([makeService(name)], { config, logger: silentLogger });
  await using cluster = await connect({ config, logger: silentLogger });
  assert.equal(await cluster.rpc[name]!.ping!(), "pong over TLS");
});

async function failsToConnect(ssl: Record<string, unknown>): Promise<string> {
  const logs = captureLogs("warn");
  const runner = new ServiceRunner({ config: { AMQP_URI: amqps, AMQP_SSL: ssl }, logger: logs.logger });
  runner.add(makeService(uniqueName("refused")));
  const starting = runner.start().catch(() => undefined);
  try {
    const line = await logs.waitFor((l) => String(l.msg).includes("not reachable"));
    await sleep(100);
    assert.equal(runner.transport?.status, "connecting");
    return String(line.err);
  } finally {
    await runner.kill(); // it would go on trying to connect
    await starting;
  }
}

test("without the client certificate, the broker side refuses the connection", async () => {
  const err = await failsToConnect({ ca_certs: pki.path("ca.pem") });
  assert.match(err, /certificate|socket hang up|ECONNRESET|closed/i);
});

test("a broker certificate from another CA is refused", async () => {
  const err = await failsToConnect({
    ca_certs: pki.path("other-ca.pem"),
    certfile: pki.path("client.pem"),
    keyfile: pki.path("client.key"),
  });
  assert.match(err, /self[- ]signed|unable to verify|certificate/i);
});

/**
 * Credentials never appear in logs or errors: broker and Redis URIs are masked wherever Enoki
 * writes them, whatever goes wrong (refused login, unreachable host, failed dependency).
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { connect, RemoteError, rpc, ServiceRunner, service } from "../../../src/index.js";
import { redis } from "../../../src/redis/index.js";
import { brokerUri, uniqueName, vhostOf } from "../../support/broker.js";
import { killAllCli, startCli } from "../../support/cli.js";
import { captureLogs } from "../../support/log-capture.js";

after(killAllCli);
const SECRET = "s3cr3t-pw-0451";
const vhost = encodeURIComponent(vhostOf(brokerUri()));

async function runAndCollect(broker: string, attempts = 2): Promise<string> {
  const cli = startCli(["run", "examples/hello/hello.ts", "--broker", broker]);
  for (let i = 1; i <= attempts; i++) await cli.waitForLog(new RegExp(`"attempt":${i}`), 30_000);
  cli.child.kill("SIGKILL");
  await cli.exited;
  return cli.stderr();
}

test("a refused login is logged with the password masked", async () => {
  const stderr = await runAndCollect(`amqp://guest:${SECRET}@localhost/${vhost}`);
  assert.match(stderr, /ACCESS_REFUSED|ACCESS-REFUSED|refused/i);
  assert.match(stderr, /guest:\*\*\*@localhost/);
  assert.ok(!stderr.includes(SECRET), stderr);
});

test("an unreachable broker is logged with the password masked", async () => {
  const stderr = await runAndCollect(`amqp://guest:${SECRET}@127.0.0.1:1/`);
  assert.match(stderr, /ECONNREFUSED/);
  assert.ok(!stderr.includes(SECRET), stderr);
});

test("a dependency that cannot connect fails its workers without showing its password", async () => {
  const name = uniqueName("needs_redis");
  @service(name)
  class NeedsRedis {
    store = redis("development", { maxRetriesPerRequest: 0, connectTimeout: 300, retryStrategy: () => null });
    @rpc
    async read() {
      return this.store.get("key");
    }
  }
  const logs = captureLogs();
  const config = { AMQP_URI: brokerUri(), REDIS_URIS: { development: `redis://:${SECRET}@127.0.0.1:1/0` } };
  await using runner = new ServiceRunner({ config, logger: logs.logger }).add(NeedsRedis);
  await runner.start();
  await using cluster = await connect({ uri: brokerUri(), logger: logs.logger });
  const error = await cluster.rpc[name]!.read!().then(
    () => undefined,
    (err: Error) => err,
  );
  assert.ok(error instanceof RemoteError, "the call fails");
  await logs.waitFor((l) => /Redis/.test(String(l.msg)));
  const text = `${error.message}\n${JSON.stringify(logs.lines)}`;
  assert.ok(!text.includes(SECRET), text);
  assert.match(text, /redis:\/\/:\*\*\*@127\.0\.0\.1:1/);
});

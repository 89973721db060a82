import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { Cluster, ServiceRunner } from "../../../src/index.js";
import {
  connect,
  kwargs,
  MethodNotFound,
  RemoteError,
  rpc,
  runServices,
  service,
  silentLogger,
  UnknownService,
} from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { scratchDir } from "../../support/cli.js";

const name = uniqueName("greeting");

@service(name)
class Greeting {
  @rpc
  hello(who: string, greeting = "Hello") {
    return `${greeting}, ${who}!`;
  }

  @rpc
  fail() {
    throw new TypeError("nope");
  }
}

let runner: ServiceRunner;
let cluster: Cluster;
before(async () => {
  runner = await runServices([Greeting], { config: { AMQP_URI: brokerUri() }, logger: silentLogger });
  cluster = await connect({ uri: brokerUri(), logger: silentLogger });
});
after(async () => {
  await cluster?.close();
  await runner?.stop();
});

test("calls a method", async () => {
  assert.equal(await cluster.rpc[name]!.hello!("world"), "Hello, world!");
  assert.equal(await cluster.rpc[name]!.hello!(kwargs({ who: "you", greeting: "Hi" })), "Hi, you!");
});

test("remote errors", async () => {
  await assert.rejects(
    cluster.rpc[name]!.fail!(),
    (e: unknown) => e instanceof RemoteError && e.excType === "TypeError",
  );
  await assert.rejects(cluster.rpc[name]!.nope!(), MethodNotFound);
  await assert.rejects(cluster.rpc[uniqueName("ghost")]!.x!(), UnknownService);
});

test("a script's connect() writes nothing to stderr unless something goes wrong", async () => {
  const scratch = scratchDir("rpc-script");
  const script = scratch.write(
    "script.ts",
    `import { connect } from "enoki";
await using cluster = await connect({ uri: ${JSON.stringify(brokerUri())} });
console.log(await cluster.rpc[${JSON.stringify(name)}]!.hello!("script"));
`,
  );
  const { ENOKI_LOG_LEVEL: _unset, ...env } = process.env;
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
      env,
      timeout: 30_000, // a script that hangs is killed, not left running after the test
    });
    assert.equal(stdout, "Hello, script!\n");
    assert.equal(stderr, "");
  } finally {
    scratch.remove();
  }
});

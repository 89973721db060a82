/**
 * `ctx.messageKey`: what identifies the message a worker runs on every delivery of it. An RPC
 * request's is its `reply_to` and correlation id, both chosen by the caller once; a test gives
 * one with `entrypointHook`'s `messageKey`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { rpc, service, workerContext } from "../../../src/index.js";
import { entrypointHook, startServices } from "../../../src/testing/index.js";

@service("keys")
class Keys {
  ctx = workerContext();

  @rpc
  key(): string | undefined {
    return this.ctx.messageKey;
  }
}

test("an RPC request's message key is its reply_to and correlation id, new per call", async () => {
  await using services = await startServices([Keys]);
  const client = services.service(Keys);
  const [a, b] = [await client.key(), await client.key()];
  assert.match(String(a), /^[0-9a-f-]{36}:[0-9a-f-]{36}$/);
  assert.notEqual(a, b);
  assert.equal(a?.split(":")[0], b?.split(":")[0], "one caller, one reply_to");
});

test("entrypointHook runs a worker with the message key it is given, else none", async () => {
  await using services = await startServices([Keys]);
  assert.equal(await entrypointHook(services.container(Keys), "key", { messageKey: "q:c1" })(), "q:c1");
  assert.equal(await entrypointHook(services.container(Keys), "key")(), undefined);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { serviceClient } from "../../../src/rpc/client.js";

test("converting a client to text or JSON, or awaiting it, calls nothing remote", async () => {
  const calls: string[] = [];
  const client = serviceClient("orders", async (method) => {
    calls.push(method);
    return "remote";
  });
  assert.equal(String(client), "[RPC client of orders]");
  assert.equal(`${client}`, "[RPC client of orders]");
  assert.equal(inspect(client), "[RPC client of orders]");
  assert.equal(inspect(client, { showProxy: false }), "[RPC client of orders]");
  assert.equal(JSON.stringify({ client }), '{"client":{}}');
  assert.equal(await client, client);
  assert.deepEqual(calls, []);
  assert.equal(await client.place!("x"), "remote");
  assert.deepEqual(calls, ["place"]);
});

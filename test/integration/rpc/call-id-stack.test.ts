/**
 * `parent_calls_tracked` end to end on RabbitMQ: the call id stack that a standalone client seeds
 * and every service extends keeps the last `parent_calls_tracked` parents at each hop, plus the
 * hop's own call id (Nameko's trimming), with the configured value and with the default (10).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { rpc, rpcProxy, service, workerContext } from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { testResources } from "../../support/resources.js";

const resources = testResources();

interface Stacks {
  outer: string[];
  inner: string[];
}

/** Outer calls Inner through rpcProxy; each reports the call id stack its worker holds. */
function makeServices(outerName: string, innerName: string) {
  @service(innerName)
  class Inner {
    ctx = workerContext();

    @rpc
    stack() {
      return this.ctx.callIdStack;
    }
  }

  @service(outerName)
  class Outer {
    ctx = workerContext();
    inner = rpcProxy<Inner>(innerName);

    @rpc
    async stacks(): Promise<Stacks> {
      return { outer: [...this.ctx.callIdStack], inner: [...(await this.inner.stack())] };
    }
  }
  return [Outer, Inner];
}

const parents = (n: number) => Array.from({ length: n }, (_, i) => `origin.call.p${i}`);
const STANDALONE = /^standalone_rpc_proxy\.call\.[0-9a-f-]{36}$/;

test("parent_calls_tracked 2: the client and each service keep the last 2 parents and add their own call id", async () => {
  const [outerName, innerName] = [uniqueName("outer"), uniqueName("inner")];
  const config = { AMQP_URI: brokerUri(), parent_calls_tracked: 2 };
  await resources.runner(makeServices(outerName, innerName), config);
  const cluster = await resources.client({
    uri: brokerUri(),
    config,
    contextData: { call_id_stack: parents(5) },
  });

  const { outer, inner } = (await cluster.rpc[outerName]!.stacks!()) as Stacks;

  // The client kept p3, p4 and added its standalone call id; Outer kept the last 2 of those.
  assert.equal(outer.length, 3, JSON.stringify(outer));
  assert.equal(outer[0], "origin.call.p4");
  assert.match(outer[1]!, STANDALONE);
  assert.match(outer[2]!, new RegExp(`^${outerName}\\.stacks\\.`));
  // Inner kept the last 2 of Outer's stack: the client's id and Outer's own.
  assert.equal(inner.length, 3, JSON.stringify(inner));
  assert.deepEqual(inner.slice(0, 2), outer.slice(1));
  assert.match(inner[2]!, new RegExp(`^${innerName}\\.stack\\.`));
});

test("parent_calls_tracked defaults to 10 at every hop", async () => {
  const [outerName, innerName] = [uniqueName("outer"), uniqueName("inner")];
  await resources.runner(makeServices(outerName, innerName), { AMQP_URI: brokerUri() });
  const cluster = await resources.client({ uri: brokerUri(), contextData: { call_id_stack: parents(15) } });

  const { outer, inner } = (await cluster.rpc[outerName]!.stacks!()) as Stacks;

  // The client kept p5..p14 and added its id (11); Outer kept the last 10 (p6..p14 and the
  // client's id) and added its own; Inner likewise drops p6.
  assert.equal(outer.length, 11, JSON.stringify(outer));
  assert.deepEqual(outer.slice(0, 9), parents(15).slice(6));
  assert.match(outer[9]!, STANDALONE);
  assert.equal(inner.length, 11, JSON.stringify(inner));
  assert.deepEqual(inner.slice(0, 10), outer.slice(1));
  assert.match(inner[10]!, new RegExp(`^${innerName}\\.stack\\.`));
});

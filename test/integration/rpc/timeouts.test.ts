/**
 * RPC timeouts on RabbitMQ: `RPC_TIMEOUT` for `connect()` clients and `rpcProxy` dependencies, the
 * per-call `timeoutMs` option, and the 30 s default (with mocked timers rather than a 30 s wait).
 * A call that times out rejects with `RpcTimeout`, and its reply, arriving later, is dropped.
 */
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { RpcTimeout, rpc, rpcProxy, runServices, service } from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { captureLogger, type LogLine } from "../../support/logs.js";
import { testResources } from "../../support/resources.js";

const resources = testResources();

/** Calls of `wait` that answer only when the test opens their gate. */
class Gates {
  readonly started = new Set<string>();
  readonly #open = new Map<string, () => void>();
  readonly #pending = new Map<string, Promise<void>>();

  hold(tag: string): Promise<void> {
    this.started.add(tag);
    return this.#gate(tag);
  }

  open(tag: string): void {
    void this.#gate(tag); // a gate opened before its call arrives stays open
    this.#open.get(tag)?.();
  }

  openAll(): void {
    for (const release of this.#open.values()) release();
  }

  #gate(tag: string): Promise<void> {
    let gate = this.#pending.get(tag);
    if (gate === undefined) {
      gate = new Promise<void>((resolve) => this.#open.set(tag, resolve));
      this.#pending.set(tag, gate);
    }
    return gate;
  }
}

const gates = new Gates();
const slowName = uniqueName("slow");
const shortRelayName = uniqueName("relay_short");
const defaultRelayName = uniqueName("relay_default");

@service(slowName)
class Slow {
  @rpc
  async wait(tag: string) {
    await gates.hold(tag);
    return `late ${tag}`;
  }

  @rpc
  async nap(ms: number) {
    await sleep(ms);
    return "rested";
  }

  @rpc
  echo(value: unknown) {
    return value;
  }
}

/** What a relay's call to Slow came to: its result, or the error's name and message. */
interface Outcome {
  ok: boolean;
  result?: unknown;
  name?: string;
  message?: string;
  seconds: number;
}

interface RelayCall {
  method: string;
  arg: unknown;
  /** The per-call `timeoutMs` option, if any. */
  perCallMs?: number;
  /** `quick`: the proxy declared with `rpcProxy(name, { timeoutMs: 300 })`. */
  proxy?: "plain" | "quick";
}

function makeRelay(name: string) {
  @service(name)
  class Relay {
    slow = rpcProxy(slowName);
    quick = rpcProxy(slowName, { timeoutMs: 300 });

    @rpc
    async call({ method, arg, perCallMs, proxy = "plain" }: RelayCall): Promise<Outcome> {
      const client = proxy === "quick" ? this.quick : this.slow;
      const remote =
        perCallMs === undefined ? client[method]! : client[method]!.withOptions({ timeoutMs: perCallMs });
      const started = performance.now();
      try {
        return { ok: true, result: await remote(arg), seconds: (performance.now() - started) / 1000 };
      } catch (err) {
        const { name, message } = err as Error;
        return { ok: false, name, message, seconds: (performance.now() - started) / 1000 };
      }
    }
  }
  return Relay;
}

const shortRelayLogs: LogLine[] = [];
let started = false;

/** Slow and a relay with RPC_TIMEOUT 0.3 s in one runner, a relay with the default in another. */
async function startServices(): Promise<void> {
  if (started) return;
  started = true;
  await resources.runner([Slow, makeRelay(defaultRelayName)], { AMQP_URI: brokerUri() });
  const runner = await runServices([makeRelay(shortRelayName)], {
    config: { AMQP_URI: brokerUri(), RPC_TIMEOUT: 0.3 },
    logger: captureLogger(shortRelayLogs),
  });
  resources.defer(() => runner.stop());
  // Runs first when the file ends (deferred tasks run last first): no worker left waiting on a
  // gate to keep the runners from stopping.
  resources.defer(async () => gates.openAll());
}

// The real timers, kept before any test mocks them: the waits below run in real time.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Resolves with `promise`'s outcome, or rejects if it is still pending after `ms` of real time. */
async function settledWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    realClearTimeout(timer);
  }
}

/** Waits (in real time) until `condition` holds; fails naming `what` after `ms`. */
async function waitUntil(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => realSetTimeout(resolve, 10));
  }
}

const isTimeout = (target: string, within: string) => (err: unknown) => {
  assert.ok(err instanceof RpcTimeout, `expected an RpcTimeout, got ${String(err)}`);
  assert.equal(err.message, `No reply from ${target} within ${within}`);
  return true;
};

/** The reply listener's line for a reply no call waits for. */
const dropped = (line: LogLine) => line.msg.startsWith("reply for no waiting call");

test("connect() with RPC_TIMEOUT 0.3: a slow method rejects with RpcTimeout in about 0.3 s, and its late reply is dropped", async () => {
  await startServices();
  const logs: LogLine[] = [];
  const cluster = await resources.client({
    uri: brokerUri(),
    config: { RPC_TIMEOUT: 0.3 },
    logger: captureLogger(logs),
  });
  const began = performance.now();
  await assert.rejects(
    settledWithin(cluster.rpc[slowName]!.wait!("connect"), 3000, "the call"),
    isTimeout(`${slowName}.wait`, "300 ms"),
  );
  const seconds = (performance.now() - began) / 1000;
  assert.ok(seconds >= 0.29 && seconds < 2.5, `timed out after ${seconds.toFixed(2)} s`);
  assert.ok(gates.started.has("connect"));

  gates.open("connect");
  await waitUntil(() => logs.some((l) => dropped(l)), "the late reply to be dropped");
  // The late reply settled nothing: the next call gets its own answer.
  assert.equal(await cluster.rpc[slowName]!.echo!("own answer"), "own answer");
});

test("rpcProxy in a service with RPC_TIMEOUT 0.3: the call rejects with RpcTimeout in about 0.3 s, and its late reply is dropped", async () => {
  await startServices();
  const cluster = await resources.client({ uri: brokerUri() });
  const outcome = (await settledWithin(
    cluster.rpc[shortRelayName]!.call!({ method: "wait", arg: "proxy" }),
    3000,
    "the relayed call",
  )) as Outcome;
  assert.equal(outcome.ok, false, `the relay got ${JSON.stringify(outcome.result)}`);
  assert.equal(outcome.name, "RpcTimeout");
  assert.equal(outcome.message, `No reply from ${slowName}.wait within 300 ms`);
  assert.ok(outcome.seconds >= 0.29 && outcome.seconds < 2.5, `timed out after ${outcome.seconds} s`);

  gates.open("proxy");
  await waitUntil(() => shortRelayLogs.some((l) => dropped(l)), "the late reply to be dropped");
  const echoed = (await cluster.rpc[shortRelayName]!.call!({ method: "echo", arg: 7 })) as Outcome;
  assert.deepEqual([echoed.ok, echoed.result], [true, 7]);
});

test("a per-call timeoutMs: shorter than the default times out, longer than RPC_TIMEOUT lets a slow reply through", async () => {
  await startServices();
  const plain = await resources.client({ uri: brokerUri() }); // default RPC_TIMEOUT: 30 s
  const short = await resources.client({ uri: brokerUri(), config: { RPC_TIMEOUT: 0.2 } });
  const slow = plain.rpc[slowName]!;
  const began = performance.now();
  const [perCall, patient, impatient] = await Promise.allSettled([
    settledWithin(slow.wait!.withOptions({ timeoutMs: 300 })("per-call"), 3000, "per-call"),
    settledWithin(short.rpc[slowName]!.nap!.withOptions({ timeoutMs: 5000 })(500), 3000, "patient"),
    settledWithin(short.rpc[slowName]!.nap!(500), 3000, "impatient"),
  ]);
  assert.deepEqual(patient, { status: "fulfilled", value: "rested" });
  assert.equal(perCall.status, "rejected");
  isTimeout(`${slowName}.wait`, "300 ms")(perCall.reason);
  assert.equal(impatient.status, "rejected");
  isTimeout(`${slowName}.nap`, "200 ms")(impatient.reason);
  assert.ok((performance.now() - began) / 1000 < 2.5);

  // The same through rpcProxy: per call, and as the proxy's own default.
  const relay = plain.rpc[defaultRelayName]!;
  const outcomes = (await Promise.all([
    settledWithin(relay.call!({ method: "wait", arg: "proxy per-call", perCallMs: 300 }), 3000, "per-call"),
    settledWithin(relay.call!({ method: "wait", arg: "proxy option", proxy: "quick" }), 3000, "option"),
    settledWithin(relay.call!({ method: "nap", arg: 400, perCallMs: 5000, proxy: "quick" }), 3000, "longer"),
  ])) as Outcome[];
  assert.deepEqual(
    outcomes.map((o) => [o.ok, o.name ?? o.result, o.message]),
    [
      [false, "RpcTimeout", `No reply from ${slowName}.wait within 300 ms`],
      [false, "RpcTimeout", `No reply from ${slowName}.wait within 300 ms`],
      [true, "rested", undefined],
    ],
  );
  for (const o of outcomes.slice(0, 2)) assert.ok(o.seconds >= 0.29 && o.seconds < 2.5, `${o.seconds} s`);
});

test("the default RPC_TIMEOUT is 30 s, for connect() and for rpcProxy (mocked timers)", async () => {
  await startServices();
  const cluster = await resources.client({ uri: brokerUri() });
  const patient = await resources.client({ uri: brokerUri(), timeoutMs: 0 });
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    const direct = cluster.rpc[slowName]!.wait!("default");
    direct.catch(() => undefined);
    // The relay's call to Slow times out, not the test's call to the relay (it waits forever).
    const relayed = patient.rpc[defaultRelayName]!.call!({ method: "wait", arg: "proxy default" });
    await waitUntil(() => gates.started.has("default"), "Slow.wait(default) to start");
    await waitUntil(() => gates.started.has("proxy default"), "Slow.wait(proxy default) to start");

    mock.timers.tick(29_999);
    await assert.rejects(settledWithin(direct, 200, "the direct call"), /still waiting after 200 ms/);
    await assert.rejects(settledWithin(relayed, 200, "the relayed call"), /still waiting after 200 ms/);

    mock.timers.tick(1);
    await assert.rejects(
      settledWithin(direct, 3000, "the direct call"),
      isTimeout(`${slowName}.wait`, "30 s"),
    );
    const outcome = (await settledWithin(relayed, 3000, "the relayed call")) as Outcome;
    assert.deepEqual(
      [outcome.ok, outcome.name, outcome.message],
      [false, "RpcTimeout", `No reply from ${slowName}.wait within 30 s`],
    );
  } finally {
    mock.timers.reset();
  }
});

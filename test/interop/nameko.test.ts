/**
 * Interop with real Python Nameko (opt-in): an Enoki service and a Nameko service on one broker
 * call each other, raise errors to each other, carry call id stacks and context data, and exchange
 * events. The fixtures of the contract tier were captured from Nameko; this tier runs Nameko itself.
 *
 * Needs `NAMEKO_PATH`: a directory holding the `nameko` package (a checkout of nameko/nameko), and
 * Debian's python3-kombu, python3-eventlet, python3-werkzeug, python3-yaml, python3-mock,
 * python3-path, python3-packaging, python3-six, python3-wrapt, python3-requests. Skipped without it
 * (the npm registry has no Nameko, so CI cannot install it). See the README's "Tests" and
 * docs/architecture.md.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { delimiter } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import {
  type Cluster,
  connect,
  eventDispatcher,
  eventHandler,
  IncorrectSignature,
  kwargs,
  MethodNotFound,
  RemoteError,
  rpc,
  rpcProxy,
  runServices,
  type ServiceRunner,
  service,
  silentLogger,
  workerContext,
} from "../../src/index.js";
import { openTap } from "../support/amqp-tap.js";
import { createVhost } from "../support/broker.js";
import {
  type NamekoProcess,
  namekoPath,
  peerDir,
  startNameko,
  stopNameko,
} from "../support/nameko-process.js";
import { PYTHON } from "../support/python.js";
import { listBroker } from "../support/queues.js";
import { delay, waitFor } from "../support/wait.js";

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

interface PyRemoteError {
  class: string;
  exc_type: string | null;
  value: string;
}

const fromPython: unknown[] = [];
let onPythonEvent: () => void = () => {};

@service("ts_interop")
class TsInterop {
  py = rpcProxy("py_interop");
  ctx = workerContext();
  dispatch = eventDispatcher<{ ts_event: { from: string; n: number } }>();

  @rpc
  hello(name: string): string {
    return `Hello from TypeScript, ${name}!`;
  }

  @rpc
  boom(): never {
    throw new TypeError("TypeScript went boom");
  }

  @rpc
  whoami(): { stack: readonly string[]; language: unknown } {
    return { stack: this.ctx.callIdStack, language: this.ctx.data.language };
  }

  /** The worker's deadline, and a call to Nameko made under it. */
  @rpc
  async deadline(): Promise<{ deadline: number | null; remainingMs: number | null; nested: unknown }> {
    const { deadline, remainingMs } = this.ctx;
    const nested = await this.py.add!(1, 2);
    return {
      deadline: deadline ?? null,
      remainingMs: Number.isFinite(remainingMs) ? remainingMs : null,
      nested,
    };
  }

  @rpc
  async pyWhoami(): Promise<unknown> {
    return await this.py.whoami!();
  }

  @rpc
  async fire(n: number): Promise<void> {
    await this.dispatch("ts_event", { from: "ts", n });
  }

  @eventHandler("py_interop", "py_event")
  onPyEvent(payload: unknown): void {
    fromPython.push(payload);
    onPythonEvent();
  }

  @eventHandler("py_standalone", "standalone_event")
  onStandaloneEvent(payload: unknown): void {
    fromPython.push(payload);
    onPythonEvent();
  }
}

const pings: unknown[] = [];

/** The other instance of Nameko's `shared_interop` (test/support/nameko/interop_service.py). */
@service("shared_interop")
class SharedInterop {
  @rpc
  which(): string {
    return "typescript";
  }

  // Named as in Python: the handler's queue name includes the method name.
  @eventHandler("interop_source", "ping")
  on_ping(payload: unknown): void {
    pings.push(payload);
  }
}

/** The payloads Nameko printed after `prefix` (its event handlers print what they receive). */
function printed(nameko: NamekoProcess, prefix: string): unknown[] {
  return nameko.lines
    .filter((l) => l.startsWith(`${prefix} `))
    .map((l) => JSON.parse(l.slice(prefix.length + 1)));
}

describe("interop with Python Nameko", { skip: namekoPath ? false : "NAMEKO_PATH is not set" }, () => {
  let nameko: NamekoProcess;
  let runner: ServiceRunner;
  let cluster: Cluster;
  let uri: string;
  let vhost: string;

  before(async () => {
    ({ uri, vhost } = createVhost("enoki-interop"));
    nameko = await startNameko(uri);
    runner = await runServices([TsInterop, SharedInterop], {
      config: { AMQP_URI: uri },
      logger: silentLogger,
    });
    cluster = await connect({ uri, logger: silentLogger, contextData: { language: "fr" } });
  });
  after(async () => {
    await cluster?.close();
    await runner?.stop();
    await stopNameko(nameko);
  });

  test("an Enoki client calls Nameko with args and kwargs", async () => {
    const py = cluster.rpc.py_interop!;
    assert.equal(await py.add!(1, 2), 3);
    assert.equal(await py.add!(kwargs({ a: 5 })), 15);
  });

  test("Nameko's errors reach Enoki typed", async () => {
    const py = cluster.rpc.py_interop!;
    await assert.rejects(py.fail!("bad input"), (e: unknown) => {
      assert.ok(e instanceof RemoteError);
      assert.equal(e.excType, "ValueError");
      assert.equal(e.value, "bad input");
      return true;
    });
    await assert.rejects(py.add!(), (e: unknown) => {
      assert.ok(e instanceof IncorrectSignature);
      assert.match(e.message, /missing 1 required positional argument: 'a'/);
      return true;
    });
    await assert.rejects(py.nope!(), MethodNotFound);
  });

  test("Nameko calls Enoki with kwargs", async () => {
    assert.equal(await cluster.rpc.py_interop!.greet_through_ts!("Ada"), "Hello from TypeScript, Ada!");
  });

  test("Enoki's errors reach Nameko as Nameko's own classes, or RemoteError with the Python type", async () => {
    const errors = (await cluster.rpc.py_interop!.ts_errors!()) as PyRemoteError[];
    assert.deepEqual(errors, [
      { class: "RemoteError", exc_type: "TypeError", value: "TypeScript went boom" },
      { class: "MethodNotFound", exc_type: null, value: "missing" },
      {
        class: "IncorrectSignature",
        exc_type: null,
        value: "hello() missing 1 required positional argument: 'name'",
      },
    ]);
  });

  test("call id stacks and context data cross both ways", async () => {
    const viaTs = (await cluster.rpc.ts_interop!.pyWhoami!()) as { stack: string[]; language: string };
    assert.equal(viaTs.language, "fr");
    assert.equal(viaTs.stack.length, 3);
    assert.match(viaTs.stack[0]!, new RegExp(`^standalone_rpc_proxy\\.call\\.${UUID}$`));
    assert.match(viaTs.stack[1]!, new RegExp(`^ts_interop\\.pyWhoami\\.${UUID}$`));
    assert.match(viaTs.stack[2]!, new RegExp(`^py_interop\\.whoami\\.${UUID}$`));

    const viaPy = (await cluster.rpc.py_interop!.ts_stack!()) as { stack: string[]; language: string };
    assert.equal(viaPy.language, "fr");
    assert.equal(viaPy.stack.length, 3);
    assert.match(viaPy.stack[1]!, new RegExp(`^py_interop\\.ts_stack\\.${UUID}$`));
    assert.match(viaPy.stack[2]!, new RegExp(`^ts_interop\\.whoami\\.${UUID}$`));
  });

  test("deadlines: Nameko ignores them and keeps working, and forwards nameko.deadline to Enoki", async () => {
    // Enoki's requests to Nameko carry expiration and nameko.deadline: Nameko answers as usual.
    await using timed = await connect({ uri, logger: silentLogger, timeoutMs: 5000 });
    await using tap = await openTap(uri, "nameko-rpc", "py_interop.ts_deadline");
    assert.equal(await timed.rpc.py_interop!.add!(1, 2), 3);
    // Enoki -> Nameko -> Enoki: the call through the Python service works, and the Enoki worker
    // at the end has the first caller's deadline, which Nameko forwarded as context data.
    const through = (await timed.rpc.py_interop!.ts_deadline!()) as {
      deadline: number;
      remainingMs: number;
      nested: number;
    };
    const sent = await tap.next();
    assert.equal(sent.properties.expiration !== undefined, true);
    assert.equal(through.deadline, Number(sent.properties.headers?.["nameko.deadline"]));
    assert.ok(through.remainingMs > 0 && through.remainingMs <= 5000, `remaining ${through.remainingMs}`);
    assert.equal(through.nested, 3);
    // An Enoki caller without a timeout: nothing added, Nameko and Enoki as before.
    await using patient = await connect({ uri, logger: silentLogger, timeoutMs: 0 });
    assert.deepEqual(await patient.rpc.py_interop!.ts_deadline!(), {
      deadline: null,
      remainingMs: null,
      nested: 3,
    });
    const plain = await tap.next();
    assert.equal(plain.properties.expiration, undefined);
    assert.equal(plain.properties.headers?.["nameko.deadline"], undefined);
  });

  test("events flow from Nameko to Enoki and back", async () => {
    fromPython.length = 0;
    const received = new Promise<void>((resolve) => {
      onPythonEvent = resolve;
    });
    await cluster.rpc.py_interop!.fire!({ from: "py", n: 1 });
    await received;
    assert.deepEqual(fromPython, [{ from: "py", n: 1 }]);

    await cluster.rpc.ts_interop!.fire!(2);
    await waitFor(() => printed(nameko, "EVENT").length > 0, "Nameko to receive ts_event");
    assert.deepEqual(printed(nameko, "EVENT"), [{ from: "ts", n: 2 }]);
  });

  test("Nameko's standalone client and dispatcher (its shell's n.rpc) reach Enoki", async () => {
    fromPython.length = 0;
    const received = new Promise<void>((resolve) => {
      onPythonEvent = resolve;
    });
    const { stdout } = await promisify(execFile)(PYTHON, [`${peerDir}standalone_client.py`, uri], {
      env: { ...process.env, PYTHONPATH: [namekoPath, peerDir].join(delimiter) },
      timeout: 30_000, // killed, not left running, if it hangs
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(out.hello, "Hello from TypeScript, shell!");
    assert.equal(out.async, "Hello from TypeScript, async!");
    assert.deepEqual(out.boom, ["RemoteError", "TypeError"]);
    const { stack, language } = out.whoami as { stack: string[]; language: string };
    assert.equal(language, "de");
    assert.equal(stack.length, 2);
    // 2.14: standalone_rpc_proxy.call.<uuid>; 3: standalone_rpc_client.<client uuid>.<uuid>
    assert.match(stack[0]!, new RegExp(`^standalone_rpc_(proxy\\.call|client\\.${UUID})\\.${UUID}$`));
    assert.match(stack[1]!, new RegExp(`^ts_interop\\.whoami\\.${UUID}$`));
    // A Python caller sends no deadline: today's behaviour (the worker has none; its call to
    // Nameko waits its own RPC_TIMEOUT and works).
    assert.deepEqual(out.deadline, { deadline: null, remainingMs: null, nested: 3 });
    await received;
    assert.deepEqual(fromPython, [{ from: "standalone" }]);
  });

  test("a Nameko and an Enoki instance of one service share its queues", async () => {
    const queues = listBroker("queues", vhost, ["name", "consumers"]).filter((q) =>
      String(q.name).includes("shared_interop"),
    );
    assert.deepEqual(queues.map((q) => [q.name, q.consumers]).sort(), [
      ["evt-interop_source-ping--shared_interop.on_ping", 2],
      ["rpc-shared_interop", 2],
    ]);

    const answers = new Set<unknown>();
    for (let i = 0; i < 10; i++) answers.add(await cluster.rpc.shared_interop!.which!());
    assert.deepEqual([...answers].sort(), ["python", "typescript"]);

    for (let n = 0; n < 20; n++) await cluster.dispatchEvent("interop_source", "ping", { n });
    const all = () => [...pings, ...printed(nameko, "PING")];
    await waitFor(() => all().length >= 20, "20 pings handled");
    await delay(200); // a duplicate would arrive now
    const handled = all().map((p) => (p as { n: number }).n);
    assert.deepEqual(
      [...handled].sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, n) => n),
    );
    assert.ok(pings.length > 0 && pings.length < 20, `both instances handled pings (Enoki: ${pings.length})`);
  });
});

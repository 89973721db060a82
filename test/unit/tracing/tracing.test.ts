/**
 * Tracing with an OpenTelemetry SDK registered, on the in-memory broker: a span for every
 * entrypoint run and every call, event and message sent, parented across services as
 * opentelemetry-instrumentation-nameko parents them, with the trace in logs and HTTP responses.
 * The same across processes and RabbitMQ is in test/integration/tracing/, and through a Python
 * Nameko service in test/interop/.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { PassThrough } from "node:stream";
import { after, before, beforeEach, test } from "node:test";
import { context, trace } from "@opentelemetry/api";
import {
  type Cluster,
  connect,
  consume,
  createLogger,
  type Dispatch,
  eventDispatcher,
  eventHandler,
  HttpError,
  type HttpRequest,
  http,
  logger,
  MemoryBroker,
  type Publish,
  publisher,
  rpc,
  rpcProxy,
  runServices,
  type ServiceRunner,
  service,
  timer,
} from "../../../src/index.js";
import type { Logger } from "../../../src/util/logger.js";
import { httpBase } from "../../support/http.js";
import { only, registerTestTracing, type SpanView, spansUntil, treeOf } from "../../support/tracing.js";

const exporter = registerTestTracing();
const suffix = randomBytes(3).toString("hex");
const names = { gateway: `gateway_${suffix}`, trips: `trips_${suffix}`, airports: `airports_${suffix}` };
class UnknownAirport extends Error {}

const logLines: Record<string, unknown>[] = [];
const logStream = new PassThrough();
logStream.on("data", (chunk: Buffer) => {
  for (const line of chunk.toString().split("\n")) if (line.trim()) logLines.push(JSON.parse(line));
});

@service(names.airports)
class Airports {
  log = logger();
  dispatch: Dispatch = eventDispatcher();

  @rpc({ expectedErrors: [UnknownAirport] })
  get(id: string) {
    this.log.info({ id }, "looking up an airport");
    if (id === "XXX") throw new UnknownAirport(`no airport ${id}`);
    return { id };
  }

  @rpc
  broken() {
    throw new TypeError("broken on purpose");
  }

  @rpc({ traceArgs: true, traceResult: true, sensitiveArguments: ["password", "card.number"] })
  login(user: string, password: string, card: { number: string; holder: string }) {
    return { user, ok: password.length > 0 && card.holder === user };
  }

  @rpc
  async create(id: string) {
    await this.dispatch("airport_created", { id });
    return id;
  }
}

@service(names.trips)
class Trips {
  airports = rpcProxy(names.airports);
  publish: Publish = publisher({ exchange: { name: `trips-out-${suffix}`, type: "topic" } });

  @rpc
  async plan(from: string, to: string) {
    await this.airports.get!(from);
    await this.airports.get!(to);
    return { from, to };
  }

  @eventHandler(names.airports, "airport_created")
  async onAirport(airport: { id: string }) {
    await this.publish({ airport: airport.id }, { routingKey: "noted" });
  }

  @consume({
    queue: `trips-in-${suffix}`,
    exchange: { name: `trips-out-${suffix}`, type: "topic" },
    routingKey: "#",
  })
  noted(_body: unknown) {}
}

@service(names.gateway)
class Gateway {
  trips = rpcProxy(names.trips);

  @http("GET", "/plan/<a>/<b>")
  async plan(_request: HttpRequest, a: string, b: string) {
    return this.trips.plan!(a, b);
  }

  @http("GET", "/fail")
  fail() {
    throw new HttpError(503, "down for maintenance");
  }
}

let runner: ServiceRunner;
let cluster: Cluster;
let base: string;

before(async () => {
  const broker = new MemoryBroker();
  const log: Logger = createLogger({ level: "info", destination: logStream });
  runner = await runServices([Airports, Trips, Gateway], {
    config: { AMQP_URI: "memory://", WEB_SERVER_ADDRESS: "127.0.0.1:0" },
    logger: log,
    memoryBroker: broker,
  });
  cluster = await connect({ uri: "memory://", memoryBroker: broker, logger: log });
  base = httpBase(runner, names.gateway);
});

after(async () => {
  await cluster?.close();
  await runner?.stop();
});

beforeEach(() => exporter.reset());

/** `child`'s parent is `parent`, in one trace. */
function assertChild(child: SpanView, parent: SpanView): void {
  assert.equal(child.traceId, parent.traceId, `${child.name} is in ${parent.name}'s trace`);
  assert.equal(child.parentSpanId, parent.spanId, `${child.name} is a child of ${parent.name}`);
}

test("an HTTP request through two services is one trace: each server span is the child of its client span", async () => {
  const response = await fetch(`${base}/plan/LHR/JFK`);
  assert.equal(response.status, 200);
  const spans = await spansUntil(exporter, [`${names.gateway}.plan`]);
  const { gateway, trips, airports } = names;
  assert.equal(
    treeOf(spans),
    [
      `${gateway}.plan (SERVER)`,
      `  RPC to ${trips}.plan (CLIENT)`,
      `    ${trips}.plan (SERVER)`,
      `      RPC to ${airports}.get (CLIENT)`,
      `        ${airports}.get (SERVER)`,
      `      RPC to ${airports}.get (CLIENT)`,
      `        ${airports}.get (SERVER)`,
    ].join("\n"),
  );
  const server = only(spans, `${trips}.plan`);
  assert.equal(server.attributes.service_name, trips);
  assert.equal(server.attributes.entrypoint_type, "Rpc");
  assert.equal(server.attributes.method_name, "plan");
  assert.equal(server.attributes["rpc.system"], "nameko");
  assert.equal(server.attributes.call_args, undefined, "arguments are not recorded by default");
  const client = only(spans, `RPC to ${trips}.plan`);
  assert.equal(client.attributes["nameko.rpc.target_service"], trips);
  assert.equal(client.attributes["nameko.rpc.target_method"], "plan");
  assert.match(String(client.attributes["nameko.rpc.correlation_id"]), /^[0-9a-f-]{36}$/);
  const http = only(spans, `${gateway}.plan`);
  assert.equal(http.attributes.entrypoint_type, "HttpRequestHandler");
  assert.equal(http.attributes["http.route"], "/plan/<a>/<b>");
  assert.equal(http.attributes["http.response.status_code"], 200);
  assert.equal(
    response.headers.get("traceresponse"),
    `00-${http.traceId}-${http.spanId}-01`,
    "the response names the request's trace",
  );
});

test("an HTTP request with a traceparent continues that trace", async () => {
  const traceId = randomBytes(16).toString("hex");
  const parentId = randomBytes(8).toString("hex");
  const response = await fetch(`${base}/plan/LHR/CDG`, {
    headers: { traceparent: `00-${traceId}-${parentId}-01` },
  });
  assert.equal(response.status, 200);
  const spans = await spansUntil(exporter, [`${names.gateway}.plan`]);
  const http = only(spans, `${names.gateway}.plan`);
  assert.equal(http.traceId, traceId);
  assert.equal(http.parentSpanId, parentId);
  assert.ok(
    spans.every((s) => s.traceId === traceId),
    "every span joins the caller's trace",
  );
  assert.match(response.headers.get("traceresponse") ?? "", new RegExp(`^00-${traceId}-${http.spanId}-01$`));
});

test("a 5xx response fails the HTTP span; an expected error does not fail the RPC span", async () => {
  assert.equal((await fetch(`${base}/fail`)).status, 503);
  await assert.rejects(cluster.rpc[names.airports]!.get!("XXX"), { name: "RemoteError" });
  const spans = await spansUntil(exporter, [`${names.gateway}.fail`, `${names.airports}.get`]);
  const failed = only(spans, `${names.gateway}.fail`);
  assert.equal(failed.status, "error");
  assert.equal(failed.attributes["http.response.status_code"], 503);
  const expected = only(spans, `${names.airports}.get`);
  assert.equal(expected.status, "unset", "an expected error is the caller's doing, not a failure");
  const event = expected.events.find((e) => e.name === "exception");
  assert.equal(event?.attributes["exception.type"], "UnknownAirport");
  assert.equal(event?.attributes["exception.expected"], "True");
  const client = only(spans, `RPC to ${names.airports}.get`);
  assert.equal(client.status, "error", "the caller got an error");
});

test("an unexpected error fails the span and records the exception with its stack", async () => {
  await assert.rejects(cluster.rpc[names.airports]!.broken!(), { name: "RemoteError" });
  const spans = await spansUntil(exporter, [`${names.airports}.broken`]);
  const broken = only(spans, `${names.airports}.broken`);
  assert.equal(broken.status, "error");
  assert.equal(broken.statusMessage, "TypeError: broken on purpose");
  const event = broken.events.find((e) => e.name === "exception");
  assert.equal(event?.attributes["exception.expected"], "False");
  assert.match(String(event?.attributes["exception.stacktrace"]), /broken on purpose\n\s+at /);
});

test("calls that never reach a worker still have a span in the caller's trace", async () => {
  const client = cluster.rpc[names.airports]!;
  await assert.rejects(client.nothing_here!(), { name: "MethodNotFound" });
  await assert.rejects(client.get!(1, 2, 3), { name: "IncorrectSignature" });
  const spans = await spansUntil(exporter, [`${names.airports}.nothing_here`, `${names.airports}.get`]);
  for (const [name, error] of [
    [`${names.airports}.nothing_here`, "MethodNotFound"],
    [`${names.airports}.get`, "IncorrectSignature"],
  ] as const) {
    const refused = only(spans, name);
    assert.equal(refused.kind, "SERVER");
    assert.equal(refused.status, "error");
    assert.match(refused.statusMessage ?? "", new RegExp(`^${error}: `));
    assertChild(refused, only(spans, `RPC to ${name}`));
  }
});

test("a client call inside the application's own span is its child", async () => {
  const root = trace.getTracer("test").startSpan("application work");
  await context.with(trace.setSpan(context.active(), root), () => cluster.rpc[names.airports]!.get!("LHR"));
  root.end();
  const spans = await spansUntil(exporter, ["application work", `${names.airports}.get`]);
  assertChild(only(spans, `RPC to ${names.airports}.get`), only(spans, "application work"));
});

test("an event dispatched in a worker continues the trace in its handler, and a published message in its consumer", async () => {
  await cluster.rpc[names.airports]!.create!("AMS");
  const spans = await spansUntil(exporter, [`${names.trips}.noted`]);
  const create = only(spans, `${names.airports}.create`);
  const dispatch = only(spans, `Dispatch event ${names.airports}.airport_created`);
  const handler = only(spans, `${names.trips}.onAirport`);
  const publish = only(spans, `Publish to trips-out-${suffix}`);
  const consumer = only(spans, `${names.trips}.noted`);
  assertChild(dispatch, create);
  assertChild(handler, dispatch);
  assertChild(publish, handler);
  assertChild(consumer, publish);
  assert.deepEqual(
    [dispatch.kind, handler.kind, publish.kind, consumer.kind],
    ["PRODUCER", "CONSUMER", "PRODUCER", "CONSUMER"],
  );
  assert.equal(handler.attributes.entrypoint_type, "EventHandler");
  assert.equal(consumer.attributes.entrypoint_type, "Consumer");
  assert.equal(dispatch.attributes["nameko.events.event_type"], "airport_created");
  assert.equal(dispatch.attributes["nameko.events.exchange"], `${names.airports}.events`);
});

test("arguments and results are recorded only where asked, redacted and truncated", async () => {
  const card = { number: "4111111111111111", holder: "ann" };
  await cluster.rpc[names.airports]!.login!("ann", "hunter2", card);
  const spans = await spansUntil(exporter, [`${names.airports}.login`]);
  const login = only(spans, `${names.airports}.login`);
  assert.deepEqual(JSON.parse(String(login.attributes.call_args)), {
    user: "ann",
    password: "********",
    card: { number: "********", holder: "ann" },
  });
  assert.equal(login.attributes.call_args_redacted, "True");
  assert.equal(login.attributes.call_args_truncated, "False");
  assert.equal(login.attributes.result, JSON.stringify({ user: "ann", ok: true }));
  assert.equal(card.number, "4111111111111111", "the worker's own arguments are untouched");

  await cluster.rpc[names.airports]!.login!("x".repeat(500), "pw", card);
  const long = (await spansUntil(exporter, [`${names.airports}.login`])).filter(
    (s) => s.name === `${names.airports}.login`,
  )[1] as SpanView;
  assert.equal(String(long.attributes.call_args).length, 200);
  assert.equal(long.attributes.call_args_truncated, "True");
});

test("log lines written in a worker carry its trace_id and span_id", async () => {
  logLines.length = 0;
  await cluster.rpc[names.airports]!.get!("FRA");
  const spans = await spansUntil(exporter, [`${names.airports}.get`]);
  const span = only(spans, `${names.airports}.get`);
  const line = logLines.find((l) => l.msg === "looking up an airport");
  assert.ok(line, "the service logged");
  assert.equal(line.trace_id, span.traceId);
  assert.equal(line.span_id, span.spanId);
  assert.match(String(line.callId), new RegExp(`^${names.airports}\\.get\\.`));
});

test("a timer's worker starts a trace of its own", async (t) => {
  @service(`ticker_${suffix}`)
  class Ticker {
    @timer({ interval: 0.05, eager: true })
    tick() {}
  }
  const ticker = await runServices([Ticker], {
    config: { AMQP_URI: "memory://" },
    logger: createLogger({ level: "silent" }),
  });
  t.after(() => ticker.stop());
  const spans = await spansUntil(exporter, [`ticker_${suffix}.tick`]);
  const tick = spans.find((s) => s.name === `ticker_${suffix}.tick`) as SpanView;
  assert.equal(tick.kind, "SERVER");
  assert.equal(tick.parentSpanId, undefined);
  assert.equal(tick.attributes.entrypoint_type, "Timer");
});

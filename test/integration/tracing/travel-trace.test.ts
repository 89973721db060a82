/**
 * One trace across three processes: the travel example's gateway, trips_service and
 * airports_service as real `enoki run` processes on RabbitMQ, each with an OpenTelemetry SDK
 * (test/support/otel-file-export.mjs) writing its spans to a file. A trip booked over HTTP forms
 * one tree: the gateway's HTTP span, its call to trips_service, and trips_service's calls to
 * airports_service, each server span the child of its client span in another process. An
 * airport created over HTTP shows the event path: the dispatch in airports_service and the
 * handler in trips_service.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createVhost, uniqueName } from "../../support/broker.js";
import { killAllCli, repoRoot } from "../../support/cli.js";
import { type SpanView, treeOf } from "../../support/tracing.js";
import { deleteKeys, startTravel, type TravelProcess, travelEnv } from "../../support/travel.js";

const prefix = uniqueName("enoki-test-trace");
const dir = mkdtempSync(join(tmpdir(), "enoki-trace-"));
const spansFile = join(dir, "spans.jsonl");
after(async () => {
  await killAllCli();
  await deleteKeys(prefix);
  rmSync(dir, { recursive: true, force: true });
});
const { uri } = createVhost("enoki-test-trace");
const env = {
  ...travelEnv(uri, prefix),
  NODE_OPTIONS: `--import ${join(repoRoot, "test/support/otel-file-export.mjs")}`,
  ENOKI_TEST_SPANS: spansFile,
};

let gateway: TravelProcess;
let base: string;

before(async () => {
  [gateway] = await Promise.all([startTravel(["gateway"], env), startTravel(["airports"], env)]);
  base = gateway.http as string;
});

function readSpans(): SpanView[] {
  if (!existsSync(spansFile)) return [];
  return readFileSync(spansFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as SpanView & { pid: number });
}

/**
 * The spans of the trace whose root is named `root`, once every span named in `ended` has ended
 * in it (processes write their spans independently: a handler may end before its dispatcher).
 */
async function traceOf(root: string, ended: readonly string[], after = 0): Promise<SpanView[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const spans = readSpans().slice(after);
    const top = spans.find((s) => s.name === root && s.parentSpanId === undefined);
    const trace = top === undefined ? [] : spans.filter((s) => s.traceId === top.traceId);
    if (ended.every((name) => trace.some((s) => s.name === name))) return trace;
    if (Date.now() > deadline)
      throw new Error(`no ${ended.join(", ")} in a trace rooted at ${root}:\n${treeOf(spans)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body) });
}

/** Creates an airport over HTTP; returns its id. */
async function createAirport(name: string): Promise<string> {
  const response = await post("/airport", { airport: name });
  assert.equal(response.status, 201, await response.clone().text());
  return response.text();
}

async function waitForCount(name: string, count: number, after: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (
    readSpans()
      .slice(after)
      .filter((s) => s.name === name).length < count
  ) {
    if (Date.now() > deadline) throw new Error(`fewer than ${count} ${name} spans:\n${treeOf(readSpans())}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("a trip booked through the gateway is one trace over three processes, each hop parented in the process before", async () => {
  // Airports created while trips_service is not running: it asks airports_service about them.
  const from = await createAirport("first");
  const to = await createAirport("second");
  await startTravel(["trips"], env);
  const seen = readSpans().length;

  const booked = await post("/trip", { airport_from: from, airport_to: to });
  assert.equal(booked.status, 201, await booked.clone().text());
  await waitForCount("airports_service.get", 2, seen);
  const trace = await traceOf("gateway.postTrip", ["trips_service.create"], seen);
  assert.equal(
    treeOf(trace),
    [
      "gateway.postTrip (SERVER)",
      "  RPC to trips_service.create (CLIENT)",
      "    trips_service.create (SERVER)",
      "      RPC to airports_service.get (CLIENT)",
      "        airports_service.get (SERVER)",
      "      RPC to airports_service.get (CLIENT)",
      "        airports_service.get (SERVER)",
    ].join("\n"),
  );
  const pids = new Set(trace.map((s) => (s as SpanView & { pid: number }).pid));
  assert.equal(pids.size, 3, "the trace was written by three processes");
  const root = trace.find((s) => s.name === "gateway.postTrip") as SpanView;
  assert.match(
    booked.headers.get("traceresponse") ?? "",
    new RegExp(`^00-${root.traceId}-${root.spanId}-01$`),
  );
});

test("an airport created over HTTP: the event's handler in trips_service continues the trace", async () => {
  const seen = readSpans().length;
  await createAirport("third");
  const trace = await traceOf(
    "gateway.postAirport",
    [
      "trips_service.airportCreated",
      "airports_service.create",
      "Dispatch event airports_service.airport_created",
    ],
    seen,
  );
  const byName = (name: string) => trace.find((s) => s.name === name) as SpanView;
  const dispatch = byName("Dispatch event airports_service.airport_created");
  const handler = byName("trips_service.airportCreated");
  assert.equal(dispatch.kind, "PRODUCER");
  assert.equal(handler.kind, "CONSUMER");
  assert.equal(handler.parentSpanId, dispatch.spanId);
  assert.equal(dispatch.parentSpanId, byName("airports_service.create").spanId);
});

/**
 * `/metrics` of a running `enoki run` process: after known traffic, the exact counts, read with
 * a Prometheus text-format parser.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { connect } from "../../../src/index.js";
import { brokerUri, uniqueName } from "../../support/broker.js";
import { killAllCli, scratchDir, startCli } from "../../support/cli.js";

const scratch = scratchDir("metrics");
after(async () => {
  await killAllCli();
  scratch.remove();
});

const name = uniqueName("metrics_probe");

const MODULE = `import { eventDispatcher, eventHandler, rpc, rpcProxy, service, ServiceError } from "enoki";

class NotFound extends ServiceError {}

@service("${name}")
export class Probe {
  self = rpcProxy<Probe>("${name}");
  dispatch = eventDispatcher();

  @rpc ok() { return "ok"; }
  @rpc({ expectedErrors: [NotFound] }) missing() { throw new NotFound("nothing"); }
  @rpc boom() { throw new Error("boom"); }
  @rpc async relay() { return await this.self.ok(); }
  @rpc async announce() { await this.dispatch("pinged", {}); }
  @rpc async shout() { await this.dispatch("nobody_listens", {}); }
  @eventHandler("${name}", "pinged") onPing() {}
}
`;

interface Sample {
  labels?: Record<string, string>;
  value?: string;
}
interface Family {
  name: string;
  type: string;
  metrics: Sample[];
}

function value(families: Family[], metric: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.find((f) => f.name === metric);
  const sample = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (sample === undefined) return undefined;
  return Number(sample.value);
}

test("after known traffic, /metrics counts it exactly", async (t) => {
  const file = scratch.write("probe.ts", MODULE);
  const config = scratch.write("config.yml", "HEALTH_ADDRESS: 127.0.0.1:0\n");
  const cli = startCli(["run", file, "--config", config, "--broker", brokerUri()]);
  t.after(() => cli.child.kill("SIGKILL"));
  const line = await cli.waitForLog(/health checks on http:\/\//);
  const port = /http:\/\/[^:]+:(\d+)\//.exec(line)?.[1];
  assert.ok(port, line);
  await cli.waitForLog(/running services: /);

  await using cluster = await connect({ uri: brokerUri() });
  const probe = cluster.rpc[name]!;
  for (let i = 0; i < 3; i++) assert.equal(await probe.ok!(), "ok");
  await assert.rejects(probe.missing!());
  await assert.rejects(probe.boom!());
  assert.equal(await probe.relay!(), "ok");
  await probe.announce!();
  await probe.shout!();

  let text = "";
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    text = await res.text();
    return parsePrometheusTextFormat(text) as Family[];
  };
  // The event handler runs after announce() returns: wait for it, and for its worker slot to be
  // given back (a run is counted just before its slot is).
  const settled = (f: Family[]) =>
    value(f, "enoki_worker_runs_total", { method: "onPing" }) !== undefined &&
    value(f, "enoki_workers_busy", { service: name }) === 0;
  let families = await scrape();
  for (let i = 0; i < 50 && !settled(families); i++) {
    await new Promise((r) => setTimeout(r, 100));
    families = await scrape();
  }

  const runs = (method: string, kind: string, outcome: string) =>
    value(families, "enoki_worker_runs_total", { service: name, method, kind, outcome });
  assert.equal(runs("ok", "rpc", "ok"), 4, "3 calls from the client, 1 relayed");
  assert.equal(runs("missing", "rpc", "expected_error"), 1);
  assert.equal(runs("boom", "rpc", "error"), 1);
  assert.equal(runs("relay", "rpc", "ok"), 1);
  assert.equal(runs("onPing", "event_handler", "ok"), 1);
  // The parser folds a histogram's label sets into one: read histogram counts from their lines.
  const lines = text.split("\n");
  const okCount = `enoki_worker_duration_seconds_count{service="${name}",method="ok",kind="rpc"} 4`;
  assert.ok(lines.includes(okCount), `no line ${okCount}`);
  const client = { service: name, target_service: name, target_method: "ok" };
  assert.equal(value(families, "enoki_rpc_client_calls_total", { ...client, outcome: "ok" }), 1);
  const clientCount = `enoki_rpc_client_duration_seconds_count{service="${name}",target_service="${name}",target_method="ok"} 1`;
  assert.ok(lines.includes(clientCount), `no line ${clientCount}`);
  assert.equal(value(families, "enoki_events_dispatched_total", { event_type: "pinged" }), 1);
  assert.equal(value(families, "enoki_events_dispatched_total", { event_type: "nobody_listens" }), 1);
  assert.equal(value(families, "enoki_events_unroutable_total", { event_type: "nobody_listens" }), 1);
  assert.equal(value(families, "enoki_events_unroutable_total", { event_type: "pinged" }), undefined);
  assert.equal(value(families, "enoki_workers_max", { service: name }), 10);
  assert.equal(value(families, "enoki_workers_busy", { service: name }), 0);
  assert.equal(value(families, "enoki_workers_waiting", { service: name }), 0);
  assert.equal(value(families, "enoki_broker_connected"), 1);
  assert.equal(value(families, "enoki_broker_reconnects_total"), 0);
  assert.equal(value(families, "enoki_redeliveries_total"), undefined, "nothing was redelivered");
  assert.ok(
    families.some((f) => f.name === "process_cpu_user_seconds_total"),
    "process metrics",
  );
  // No ids in labels: every label value is one of a few known ones.
  for (const family of families.filter((f) => f.name.startsWith("enoki_"))) {
    for (const sample of family.metrics) {
      for (const v of Object.values(sample.labels ?? {}))
        assert.doesNotMatch(v, /[0-9a-f]{8}-[0-9a-f]{4}/, family.name);
    }
  }
});

/**
 * The travel example's Grafana dashboard (examples/travel/grafana/enoki-dashboard.json) queries
 * only metrics Enoki serves: every `enoki_*` name in its queries is one the metrics registry
 * has (histograms by their `_bucket`, `_sum` and `_count` series), and every metric is shown.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { PrometheusMetrics } from "../../src/metrics/prometheus-metrics.js";

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ query?: unknown }> };
}

const dashboard = JSON.parse(
  readFileSync(new URL("../../examples/travel/grafana/enoki-dashboard.json", import.meta.url), "utf8"),
) as Dashboard;

async function servedNames(): Promise<Map<string, string>> {
  const metrics = new PrometheusMetrics({
    services: new Set(),
    pools: () => [],
    transport: { status: "connected", onStatus: () => () => undefined },
  });
  try {
    const names = new Map<string, string>();
    for (const m of await metrics.registry.getMetricsAsJSON()) names.set(m.name, String(m.type));
    return names;
  } finally {
    metrics.close();
  }
}

function queriedNames(): Set<string> {
  const exprs = [
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
    ...dashboard.templating.list.map((v) => String(v.query ?? "")),
  ];
  return new Set(
    exprs.flatMap((e) => [...e.matchAll(/\b(enoki_[a-z_]+|process_[a-z_]+)\b/g)].map((m) => m[1] as string)),
  );
}

test("every metric the dashboard queries is one Enoki serves", async () => {
  const served = await servedNames();
  for (const name of queriedNames()) {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    const type = served.get(name) ?? served.get(base);
    assert.ok(type !== undefined, `the dashboard queries ${name}, which Enoki does not serve`);
    if (name !== base && served.get(name) === undefined) assert.equal(type, "histogram", name);
  }
});

test("every enoki_ metric has a panel", async () => {
  const queried = [...queriedNames()].map((n) => n.replace(/_(bucket|sum|count)$/, ""));
  for (const name of (await servedNames()).keys()) {
    if (name.startsWith("enoki_")) assert.ok(queried.includes(name), `no panel shows ${name}`);
  }
});

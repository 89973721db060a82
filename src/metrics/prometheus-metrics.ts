/**
 * Prometheus metrics of one runner's services, served at `/metrics` on the health server. They
 * come from the reports on `node:diagnostics_channel` (util/diagnostics.ts) and from the
 * containers' worker pools and the transport, read at scrape time. Labels are bounded: service,
 * method, entrypoint kind, outcome; never ids or payloads. Only the runner's own services are
 * counted, so several runners in one process (tests) keep their figures apart.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Transport } from "../transport/transport.js";
import {
  diagnostics,
  type EventDispatched,
  type Redelivery,
  type RpcCallFinished,
  type WorkerFinished,
} from "../util/diagnostics.js";

/** A container's worker pool, as the metrics read it. */
export interface PoolState {
  readonly service: string;
  /** `max_workers`. */
  readonly size: number;
  readonly active: number;
  readonly waiting: number;
}

/** Where the runner's figures that are not reports come from. */
export interface MetricsSources {
  readonly services: ReadonlySet<string>;
  readonly pools: () => Iterable<PoolState>;
  readonly transport: Pick<Transport, "status" | "onStatus">;
}

// Seconds, from a fast RPC on loopback to a slow HTTP handler.
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The metrics of one runner. `close()` stops listening to the reports. */
export class PrometheusMetrics {
  readonly registry = new Registry();
  readonly #services: ReadonlySet<string>;
  readonly #unsubscribe: Array<() => void> = [];

  constructor(sources: MetricsSources) {
    this.#services = sources.services;
    collectDefaultMetrics({ register: this.registry });
    this.#workers(sources);
    this.#rpcClient();
    this.#events();
    this.#redeliveries();
    this.#broker(sources.transport);
  }

  /** The text to answer a scrape with, and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Stops counting (unsubscribes from the reports and the transport). */
  close(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  #on<T>(channel: (typeof diagnostics)[keyof typeof diagnostics], handle: (message: T) => void): void {
    const listener = (message: unknown) => handle(message as T);
    subscribe(channel.name, listener);
    this.#unsubscribe.push(() => unsubscribe(channel.name, listener));
  }

  #workers(sources: MetricsSources): void {
    const r = this.registry;
    const labelNames = ["service", "method", "kind"] as const;
    const runs = new Counter({
      name: "enoki_worker_runs_total",
      help: "Workers run per entrypoint, by outcome (ok, expected_error, error)",
      labelNames: [...labelNames, "outcome"],
      registers: [r],
    });
    const duration = new Histogram({
      name: "enoki_worker_duration_seconds",
      help: "How long workers ran, per entrypoint",
      labelNames,
      buckets: DURATION_BUCKETS,
      registers: [r],
    });
    this.#on<WorkerFinished>(diagnostics.workerFinished, (w) => {
      if (!this.#services.has(w.service)) return;
      const labels = { service: w.service, method: w.method, kind: w.kind };
      runs.inc({ ...labels, outcome: w.outcome });
      duration.observe(labels, w.durationMs / 1000);
    });
    const poolGauge = (name: string, help: string, read: (p: PoolState) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["service"],
        registers: [r],
        collect() {
          for (const pool of sources.pools()) this.set({ service: pool.service }, read(pool));
        },
      });
    poolGauge("enoki_workers_busy", "Workers running now", (p) => p.active);
    poolGauge("enoki_workers_max", "Worker slots (max_workers)", (p) => p.size);
    poolGauge("enoki_workers_waiting", "Messages delivered and waiting for a worker slot", (p) => p.waiting);
  }

  #rpcClient(): void {
    const labelNames = ["service", "target_service", "target_method"] as const;
    const calls = new Counter({
      name: "enoki_rpc_client_calls_total",
      help: "RPC calls a service made, per target, by outcome (ok, error, timeout)",
      labelNames: [...labelNames, "outcome"],
      registers: [this.registry],
    });
    const duration = new Histogram({
      name: "enoki_rpc_client_duration_seconds",
      help: "How long RPC calls a service made took, per target",
      labelNames,
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.#on<RpcCallFinished>(diagnostics.rpcCallFinished, (c) => {
      if (c.caller === undefined || !this.#services.has(c.caller)) return;
      const labels = { service: c.caller, target_service: c.service, target_method: c.method };
      calls.inc({ ...labels, outcome: c.outcome });
      duration.observe(labels, c.durationMs / 1000);
    });
  }

  #events(): void {
    const labelNames = ["service", "source", "event_type"] as const;
    const dispatched = new Counter({
      name: "enoki_events_dispatched_total",
      help: "Events a service dispatched",
      labelNames,
      registers: [this.registry],
    });
    const unroutable = new Counter({
      name: "enoki_events_unroutable_total",
      help: "Events a service dispatched that no queue took",
      labelNames,
      registers: [this.registry],
    });
    this.#on<EventDispatched>(diagnostics.eventDispatched, (e) => {
      if (e.caller === undefined || !this.#services.has(e.caller)) return;
      const labels = { service: e.caller, source: e.source, event_type: e.eventType };
      dispatched.inc(labels);
      if (!e.routed) unroutable.inc(labels);
    });
  }

  #redeliveries(): void {
    const redeliveries = new Counter({
      name: "enoki_redeliveries_total",
      help: "Messages the broker delivered again (redelivered flag), per service and entrypoint kind",
      labelNames: ["service", "kind"],
      registers: [this.registry],
    });
    this.#on<Redelivery>(diagnostics.redelivery, (d) => {
      if (this.#services.has(d.service)) redeliveries.inc({ service: d.service, kind: d.kind });
    });
  }

  #broker(transport: MetricsSources["transport"]): void {
    new Gauge({
      name: "enoki_broker_connected",
      help: "1 while connected to the broker (consumers included), else 0",
      registers: [this.registry],
      collect() {
        this.set(transport.status === "connected" ? 1 : 0);
      },
    });
    const reconnects = new Counter({
      name: "enoki_broker_reconnects_total",
      help: "Connections to the broker made again after one was lost",
      registers: [this.registry],
    });
    let connectedBefore = transport.status === "connected";
    this.#unsubscribe.push(
      transport.onStatus((status) => {
        if (status !== "connected") return;
        if (connectedBefore) reconnects.inc();
        connectedBefore = true;
      }),
    );
  }
}

// Preloaded into `enoki run` processes by tests (`NODE_OPTIONS=--import <this file>`): registers
// an OpenTelemetry SDK whose spans are appended, one JSON object per line, to the file named by
// ENOKI_TEST_SPANS, so a test can assemble a trace from several processes. It is what an
// application's own tracing setup does, with a file for an exporter.
import { appendFileSync } from "node:fs";
import { SpanKind } from "@opentelemetry/api";
import { SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

const file = process.env.ENOKI_TEST_SPANS;
if (!file) throw new Error("ENOKI_TEST_SPANS names the file spans go to");

const exporter = {
  export(spans, done) {
    const lines = spans.map((span) =>
      JSON.stringify({
        name: span.name,
        kind: SpanKind[span.kind],
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        status: ["unset", "ok", "error"][span.status.code],
        statusMessage: span.status.message,
        attributes: span.attributes,
        events: span.events.map((e) => ({ name: e.name, attributes: e.attributes ?? {} })),
        pid: process.pid,
      }),
    );
    appendFileSync(file, lines.map((line) => `${line}\n`).join(""));
    done({ code: 0 });
  },
  shutdown: async () => {},
};

new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).register();

/**
 * An OpenTelemetry SDK for tests: registers a tracer provider that keeps every finished span in
 * memory, and helpers to read them as a tree.
 */
import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

/** Registers the SDK globally (once per test process); returns the exporter holding the spans. */
export function registerTestTracing(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  return exporter;
}

/** A finished span as the tests compare it. */
export interface SpanView {
  readonly name: string;
  readonly kind: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly status: "unset" | "ok" | "error";
  readonly statusMessage: string | undefined;
  readonly attributes: Attributes;
  readonly events: readonly { name: string; attributes: Attributes }[];
}

/** A span of the SDK, as {@link SpanView}. */
export function viewOf(span: ReadableSpan): SpanView {
  const status = {
    [SpanStatusCode.UNSET]: "unset",
    [SpanStatusCode.OK]: "ok",
    [SpanStatusCode.ERROR]: "error",
  };
  return {
    name: span.name,
    kind: SpanKind[span.kind],
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    status: status[span.status.code] as SpanView["status"],
    statusMessage: span.status.message,
    attributes: span.attributes,
    events: span.events.map((e) => ({ name: e.name, attributes: e.attributes ?? {} })),
  };
}

/** Waits until a span named `name` has finished; returns every finished span. */
export async function spansUntil(
  exporter: InMemorySpanExporter,
  names: readonly string[],
): Promise<SpanView[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const spans = exporter.getFinishedSpans().map(viewOf);
    if (names.every((n) => spans.some((s) => s.name === n))) return spans;
    if (Date.now() > deadline)
      throw new Error(
        `spans ${names.join(", ")} did not all end; have: ${spans.map((s) => s.name).join(", ")}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The one span named `name`. */
export function only(spans: readonly SpanView[], name: string): SpanView {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span ${name}, found ${found.length}`);
  return found[0] as SpanView;
}

/** The tree of `spans` as indented lines: `name (KIND)`, children under their parent. */
export function treeOf(spans: readonly SpanView[]): string {
  const ids = new Set(spans.map((s) => s.spanId));
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const children = spans
      .filter((s) =>
        parent === undefined
          ? s.parentSpanId === undefined || !ids.has(s.parentSpanId)
          : s.parentSpanId === parent,
      )
      .sort((a, b) => a.name.localeCompare(b.name));
    for (const child of children) {
      lines.push(`${"  ".repeat(depth)}${child.name} (${child.kind})`);
      walk(child.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join("\n");
}

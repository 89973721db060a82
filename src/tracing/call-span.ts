/**
 * Spans of what a process sends: an RPC call (`CLIENT`, `RPC to <service>.<method>`), a
 * dispatched event (`PRODUCER`, `Dispatch event <source>.<type>`) and a published message
 * (`PRODUCER`, `Publish to <exchange>`), named as opentelemetry-instrumentation-nameko names them.
 * Each is a child of the active span (the worker's, inside a service) and its context is what the
 * message carries, so the receiving worker's span is its child.
 */
import type { Attributes, Span, SpanKind } from "@opentelemetry/api";
import { recordError } from "./record-error.js";
import { SPAN_KIND } from "./span-kind.js";
import { injectIntoHeaders } from "./trace-carrier.js";
import { type OpenTelemetry, openTelemetry, tracerOf } from "./tracer.js";

/** One outgoing message's span. */
export interface SendSpanInit {
  readonly name: string;
  readonly kind: SpanKind;
  /** Called only when the span records (an SDK is registered and samples it). */
  readonly attributes: () => Attributes;
}

/**
 * Runs `send` inside a new span described by `initOf()`, giving it `headers` (the message's
 * `nameko.*` headers) with the span's trace context added; the span ends when `send` settles,
 * failed if it rejects. With nothing registered with OpenTelemetry there is no span: `send` gets
 * the headers as they are, and `undefined`, and `initOf` is not called (an untraced call pays
 * for no span description, nor for an extra promise around it).
 */
export function traceSend<T>(
  headers: Readonly<Record<string, unknown>>,
  initOf: () => SendSpanInit,
  send: (headers: Readonly<Record<string, unknown>>, span: Span | undefined) => Promise<T>,
): Promise<T> {
  const otel = openTelemetry();
  if (otel === undefined) return send(headers, undefined);
  return sendInSpan(otel, initOf(), headers, send);
}

async function sendInSpan<T>(
  otel: OpenTelemetry,
  init: SendSpanInit,
  headers: Readonly<Record<string, unknown>>,
  send: (headers: Readonly<Record<string, unknown>>, span: Span | undefined) => Promise<T>,
): Promise<T> {
  const active = otel.context.active();
  const span = tracerOf(otel).startSpan(init.name, { kind: init.kind }, active);
  if (span.isRecording()) span.setAttributes(init.attributes());
  try {
    return await send(injectIntoHeaders(otel, headers, otel.trace.setSpan(active, span)), span);
  } catch (error) {
    if (span.isRecording()) recordError(span, error, false);
    throw error;
  } finally {
    span.end();
  }
}

/** The span of an RPC call. */
export function rpcCallSpan(service: string, method: string): SendSpanInit {
  return {
    name: `RPC to ${service}.${method}`,
    kind: SPAN_KIND.CLIENT,
    attributes: () => ({
      "nameko.rpc.target_service": service,
      "nameko.rpc.target_method": method,
      "rpc.system": "nameko",
      "rpc.service": service,
      "rpc.method": method,
      "messaging.system": "rabbitmq",
    }),
  };
}

/** The span of a dispatched event. */
export function eventDispatchSpan(exchange: string, source: string, eventType: string): SendSpanInit {
  return {
    name: `Dispatch event ${source}.${eventType}`,
    kind: SPAN_KIND.PRODUCER,
    attributes: () => ({
      "nameko.events.exchange": exchange,
      "nameko.events.event_type": eventType,
      "messaging.system": "rabbitmq",
      "messaging.operation": "publish",
      "messaging.destination.name": exchange,
      "messaging.rabbitmq.destination.routing_key": eventType,
    }),
  };
}

/** The span of a message published to an exchange (`""`: the default exchange). */
export function publishSpan(exchange: string, routingKey: string): SendSpanInit {
  const target = exchange === "" ? "default-exchange" : exchange;
  return {
    name: `Publish to ${target}`,
    kind: SPAN_KIND.PRODUCER,
    attributes: () => ({
      "nameko.messaging.exchange": target,
      "messaging.system": "rabbitmq",
      "messaging.operation": "publish",
      "messaging.destination.name": target,
      "messaging.rabbitmq.destination.routing_key": routingKey,
    }),
  };
}

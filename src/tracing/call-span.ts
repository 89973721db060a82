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
import { openTelemetry, tracerOf } from "./tracer.js";

/** One outgoing message's span. */
export interface SendSpanInit {
  readonly name: string;
  readonly kind: SpanKind;
  /** Called only when the span records (an SDK is registered and samples it). */
  readonly attributes: () => Attributes;
  /** The message's `nameko.*` headers, into which the span's trace context goes. */
  readonly headers: Readonly<Record<string, unknown>>;
}

/**
 * Runs `send` inside a new span, giving it the headers to send (carrying the span's context);
 * the span ends when `send` settles, failed if it rejects. With nothing registered with
 * OpenTelemetry there is no span: `send` gets the headers as they are, and `undefined`.
 */
export async function traceSend<T>(
  init: SendSpanInit,
  send: (headers: Readonly<Record<string, unknown>>, span: Span | undefined) => Promise<T>,
): Promise<T> {
  const otel = openTelemetry();
  if (otel === undefined) return send(init.headers, undefined);
  const active = otel.context.active();
  const span = tracerOf(otel).startSpan(init.name, { kind: init.kind }, active);
  if (span.isRecording()) span.setAttributes(init.attributes());
  try {
    return await send(injectIntoHeaders(otel, init.headers, otel.trace.setSpan(active, span)), span);
  } catch (error) {
    if (span.isRecording()) recordError(span, error, false);
    throw error;
  } finally {
    span.end();
  }
}

/** The span of an RPC call. */
export function rpcCallSpan(
  service: string,
  method: string,
  headers: Readonly<Record<string, unknown>>,
): SendSpanInit {
  return {
    name: `RPC to ${service}.${method}`,
    kind: SPAN_KIND.CLIENT,
    headers,
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
export function eventDispatchSpan(
  exchange: string,
  source: string,
  eventType: string,
  headers: Readonly<Record<string, unknown>>,
): SendSpanInit {
  return {
    name: `Dispatch event ${source}.${eventType}`,
    kind: SPAN_KIND.PRODUCER,
    headers,
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
export function publishSpan(
  exchange: string,
  routingKey: string,
  headers: Readonly<Record<string, unknown>>,
): SendSpanInit {
  const target = exchange === "" ? "default-exchange" : exchange;
  return {
    name: `Publish to ${target}`,
    kind: SPAN_KIND.PRODUCER,
    headers,
    attributes: () => ({
      "nameko.messaging.exchange": target,
      "messaging.system": "rabbitmq",
      "messaging.operation": "publish",
      "messaging.destination.name": target,
      "messaging.rabbitmq.destination.routing_key": routingKey,
    }),
  };
}

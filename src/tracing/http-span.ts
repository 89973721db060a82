/** What an `@http` worker's span says of its request and response (OpenTelemetry's HTTP names). */
import type { Span } from "@opentelemetry/api";
import { STATUS_ERROR } from "./span-kind.js";

/** The request and response of one `@http` worker. */
export interface HttpExchange {
  readonly method: string;
  /** The route's rule, such as `/airport/<string:id>`. */
  readonly route: string;
  readonly status: number;
}

/** Describes the exchange on `span`; a 5xx fails the span, a 4xx is the client's doing. */
export function recordHttpExchange(span: Span | undefined, exchange: HttpExchange): void {
  if (span === undefined || !span.isRecording()) return;
  span.setAttributes({
    "http.request.method": exchange.method,
    "http.route": exchange.route,
    "http.response.status_code": exchange.status,
  });
  if (exchange.status >= 500) span.setStatus({ code: STATUS_ERROR, message: `HTTP ${exchange.status}` });
}

/** How errors are written on Enoki's spans. */
import type { Span } from "@opentelemetry/api";
import { STATUS_ERROR } from "./span-kind.js";
import { pythonBool } from "./span-payload.js";

/**
 * Records `error` on `span`: an exception event (with `exception.expected`, as the Nameko
 * instrumentation writes it) and, unless it was expected, an error status.
 */
export function recordError(span: Span, error: unknown, expected: boolean): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  // One event with the instrumentation's extra attribute, rather than recordException's own.
  span.addEvent("exception", {
    "exception.type": errorName(exception),
    "exception.message": exception.message,
    "exception.stacktrace": exception.stack ?? "",
    "exception.expected": pythonBool(expected),
  });
  if (!expected)
    span.setStatus({ code: STATUS_ERROR, message: `${errorName(exception)}: ${exception.message}` });
}

function errorName(error: Error): string {
  return error.constructor?.name || error.name;
}

/** A duration for messages: whole seconds as `30 s`, anything else in milliseconds. */
export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * The greeting service of the article Enoki grew from: `hello(name)` takes its time
 * (`GREETING_SLEEP` seconds, 5 by default), so concurrent calls and several instances show.
 *
 *     npx enoki run examples/hello/hello.ts
 */
import { setTimeout as sleep } from "node:timers/promises";
import { rpc, service } from "enoki";

/** Seconds each greeting takes. */
const SLEEP_SECONDS = Number(process.env.GREETING_SLEEP ?? 5);
if (!Number.isFinite(SLEEP_SECONDS) || SLEEP_SECONDS < 0) {
  throw new Error(`GREETING_SLEEP must be a number of seconds, got ${process.env.GREETING_SLEEP}`);
}

@service("greeting_service")
export class GreetingService {
  @rpc
  async hello(name: string): Promise<string> {
    await sleep(SLEEP_SECONDS * 1000);
    return `Hello, ${name}!`;
  }
}

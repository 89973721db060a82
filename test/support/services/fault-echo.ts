/**
 * A service for fault tests, run with `enoki run`: `echo(id, ms)` sleeps `ms` and returns `id`,
 * so a caller can check every reply is its own. The name comes from `FAULT_SERVICE`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { rpc, service } from "enoki";

@service(process.env.FAULT_SERVICE ?? "fault_echo")
export class FaultEcho {
  @rpc
  async echo(id: number, ms: number) {
    await sleep(ms);
    return id;
  }
}

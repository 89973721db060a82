/**
 * Type tests for clients derived from service classes. Checked by `tsc` (npm run typecheck, and
 * test/types/typecheck.test.ts): every `@ts-expect-error` line must be an error, or tsc fails.
 */
import {
  type AsyncCall,
  connect,
  kwargs,
  type RpcClient,
  rpc,
  rpcProxy,
  type Serialized,
  service,
  workerContext,
} from "../../src/index.js";

interface Airport {
  id: string;
  name: string;
  opened: Date;
  note?: string;
}

@service("airports_service")
class AirportsService {
  ctx = workerContext();
  other = rpcProxy("other_service");

  @rpc
  async get(id: string): Promise<Airport> {
    return { id, name: "x", opened: new Date() };
  }

  @rpc
  count(): number {
    return 1;
  }

  @rpc
  nothing(): void {}

  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: the type test needs a private member
  private helper() {
    return 1;
  }
}

@service("gateway")
export class Gateway {
  airports = rpcProxy<AirportsService>("airports_service");
  python = rpcProxy("python_service");

  @rpc
  async ok(id: string) {
    const airport = await this.airports.get(id);
    const name: string = airport.name;
    // Dates arrive as ISO strings after the JSON round trip.
    const opened: string = airport.opened;
    const note: string | undefined = airport.note;
    const n: number = await this.airports.count();
    const none: null = await this.airports.nothing();
    const call: AsyncCall<Serialized<Airport>> = this.airports.get.callAsync(id);
    const later = await call.result();
    const quick = await this.airports.get.withOptions({ timeoutMs: 100 })("x");
    // Untyped clients (Python services) take anything, keyword arguments included.
    const anything: unknown = await this.python.whatever!(1, "two", kwargs({ three: 3 }));
    return [name, opened, note, n, none, later, quick, anything];
  }

  @rpc
  async wrong(id: string) {
    // @ts-expect-error a misspelt method is a compile error
    await this.airports.gett(id);
    // @ts-expect-error wrong argument type
    await this.airports.get(42);
    // @ts-expect-error missing argument
    await this.airports.get();
    // @ts-expect-error dependencies are not remote methods
    await this.airports.ctx;
    // @ts-expect-error private helpers are not remote methods
    await this.airports.helper();
    // @ts-expect-error the result is a string, not a Date
    const opened: Date = (await this.airports.get(id)).opened;
    return opened;
  }
}

export async function standalone() {
  const cluster = await connect();
  const airports = cluster.service<AirportsService>("airports_service");
  const airport: { id: string } = await airports.get("x");
  // @ts-expect-error typed standalone clients check methods too
  await airports.nope();
  const dynamic: unknown = await cluster.rpc.any_service!.any_method!(1);
  return [airport, dynamic];
}

type Check<T extends true> = T;
export type ClientHasOnlyMethods = Check<
  keyof RpcClient<AirportsService> extends "get" | "count" | "nothing" ? true : false
>;

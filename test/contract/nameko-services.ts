/**
 * TypeScript twins of the Python services `alpha` and `beta` the wire fixtures were captured
 * from, written as an Enoki user would.
 */
import { rpc, rpcProxy, ServiceError, service, workerContext } from "../../src/index.js";

/** Python's `ValueError`, so errors carry `builtins.ValueError` like the fixtures. */
export class ValueError extends ServiceError {
  static excPath = "builtins.ValueError";
}

/** A service-defined error: its exc_path is `<service>.CustomError`. */
export class CustomError extends ServiceError {}

@service("beta")
export class Beta {
  ctx = workerContext();

  @rpc
  echo(x: unknown) {
    return { x, call_id_stack: this.ctx.callIdStack, data: this.ctx.data };
  }
}

@service("alpha")
export class Alpha {
  beta = rpcProxy<Beta>("beta");
  ctx = workerContext();

  @rpc
  echo(a: unknown, b: unknown = null) {
    return { a, b };
  }

  @rpc
  fail() {
    throw new ValueError("boom", 42);
  }

  @rpc
  custom_err() {
    throw new CustomError("custom", { k: 1 });
  }

  @rpc({ expected: [ValueError] })
  expected() {
    throw new ValueError("expected failure");
  }

  @rpc
  async nested(x: unknown) {
    return this.beta.echo(x);
  }

  @rpc
  whoami() {
    const { callId, callIdStack, data } = this.ctx;
    return {
      call_id: callId,
      call_id_stack: callIdStack,
      data,
      context_data: { ...data, call_id_stack: callIdStack },
    };
  }

  @rpc
  unserializable() {
    return new Map([["k", 1]]);
  }

  @rpc
  types() {
    return { when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 600)), tuple: [1, 2] };
  }
}

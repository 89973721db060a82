import assert from "node:assert/strict";
import { test } from "node:test";
import { containerSettings } from "../../../src/core/config.js";
import { ConfigurationError } from "../../../src/util/enoki-error.js";

test("container settings default to Nameko's", () => {
  const s = containerSettings({});
  assert.equal(s.maxWorkers, 10);
  assert.equal(s.prefetch, 10);
  assert.equal(s.parentCallsTracked, 10);
  assert.equal(s.rpcExchange, "nameko-rpc");
  assert.equal(s.serializer.name, "json");
  assert.equal(s.rpcTimeoutMs, 30_000);
  assert.equal(s.rpcPersistent, true);
  assert.equal(s.maxMessageBytes, 16 * 1024 * 1024);
});

test("max_workers 0 means the default, as in Nameko; prefetch follows max_workers unless set", () => {
  assert.equal(containerSettings({ max_workers: 0 }).maxWorkers, 10);
  assert.equal(containerSettings({ max_workers: 3 }).prefetch, 3);
  assert.equal(containerSettings({ max_workers: 3, PREFETCH_COUNT: 7 }).prefetch, 7);
});

test("bad values are configuration errors naming the key", () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ max_workers: -1 }, /max_workers/],
    [{ max_workers: "ten" }, /max_workers/],
    [{ serializer: "pickle" }, /serializer must be a serializer Enoki has \(json\), got "pickle"/],
    [{ RPC_TIMEOUT: -5 }, /RPC_TIMEOUT/],
    [{ RPC_PERSISTENT: "no" }, /RPC_PERSISTENT/],
    [{ rpc_exchange: "" }, /rpc_exchange/],
  ];
  for (const [config, message] of cases) {
    assert.throws(
      () => containerSettings(config),
      (e: unknown) => e instanceof ConfigurationError && message.test(e.message),
    );
  }
});

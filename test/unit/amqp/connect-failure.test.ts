import assert from "node:assert/strict";
import { test } from "node:test";
import { connectFailure } from "../../../src/amqp/connect-failure.js";

const address = { vhost: "shop", username: "app" };

test("a handshake closed after Connection.Open is a refused vhost, with the commands to check it", () => {
  const failure = connectFailure(
    new Error("Expected ConnectionOpenOk; got <ConnectionClose channel:0>"),
    address,
  );
  assert.equal(failure.refused, true);
  assert.match(
    failure.reason,
    /^access to vhost "shop" refused: it does not exist, user "app" may not use it, or it is at its connection limit \(rabbitmqctl/,
  );
});

test("a 403 handshake is a refused login; network errors are not refusals", () => {
  const login = connectFailure(new Error("Handshake terminated by server: 403 (ACCESS-REFUSED)"), address);
  assert.deepEqual([login.refused, login.reason.startsWith('login refused for user "app"')], [true, true]);
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
  assert.deepEqual(connectFailure(refused, address), {
    refused: false,
    unreachable: true,
    reason: "connect ECONNREFUSED 127.0.0.1:1",
  });
});

test("only a connection never made is unreachable (a probe can tell when it comes back)", () => {
  const withCode = (code: string) => Object.assign(new Error(code), { code });
  for (const code of ["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]) {
    assert.equal(connectFailure(withCode(code), address).unreachable, true, code);
  }
  // Accepted, then dropped (a proxy with no backend): a probe would see it up, and wake forever.
  assert.equal(connectFailure(withCode("ECONNRESET"), address).unreachable, false);
  assert.equal(
    connectFailure(new Error("Socket closed abruptly during opening handshake"), address).unreachable,
    false,
  );
  assert.equal(connectFailure(new Error("Handshake terminated by server: 403"), address).unreachable, false);
});

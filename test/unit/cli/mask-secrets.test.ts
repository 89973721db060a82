import assert from "node:assert/strict";
import { test } from "node:test";
import { maskSecrets } from "../../../src/cli/mask-secrets.js";

test("show-config masks the password of every broker in an AMQP_URI list", () => {
  assert.deepEqual(maskSecrets({ AMQP_URI: "amqp://rabbit-a;amqp://u:secret@rabbit-b/v" }), {
    AMQP_URI: "amqp://rabbit-a;amqp://u:***@rabbit-b/v",
  });
  assert.deepEqual(maskSecrets({ AMQP_URI: "amqp://u:secret@a" }), { AMQP_URI: "amqp://u:***@a" });
  assert.deepEqual(maskSecrets({ AMQP_URI: "amqp://a;amqp://b" }), { AMQP_URI: "amqp://a;amqp://b" });
  // One URI with a ; in its password: not a list, and masked whole.
  assert.deepEqual(maskSecrets({ AMQP_URI: "amqp://u:pa;ss@a/v" }), { AMQP_URI: "amqp://u:***@a/v" });
});

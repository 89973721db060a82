import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pythonRepr, pythonStr } from "../../../src/wire/python-text.js";
import {
  IncorrectSignature,
  MalformedRequest,
  MethodNotFound,
  RemoteError,
  ServiceError,
  UnserializableValueError,
} from "../../../src/wire/remote-errors.js";
import {
  fromWireError,
  registerRemoteError,
  safeForSerialization,
  toWireError,
} from "../../../src/wire/wire-error.js";

class NotFound extends ServiceError {}
class Registered extends ServiceError {}
registerRemoteError(Registered, "shop.Registered");
class WithPath extends ServiceError {
  static excPath = "builtins.KeyError";
}

describe("toWireError", () => {
  test("JavaScript builtins map to the nearest Python builtin", () => {
    assert.deepEqual(toWireError(new TypeError("bad"), "svc"), {
      exc_type: "TypeError",
      exc_path: "builtins.TypeError",
      exc_args: ["bad"],
      value: "bad",
    });
    assert.equal(toWireError(new RangeError("r"), "svc").exc_type, "ValueError");
    assert.equal(toWireError(new Error("e"), "svc").exc_path, "builtins.Exception");
    assert.equal(toWireError(new ReferenceError("x"), "svc").exc_type, "NameError");
  });

  test("service errors stringify their args as Nameko does, and value is str(exc)", () => {
    assert.deepEqual(toWireError(new NotFound("airport", 42, { k: 1, n: [true, null] }), "airports"), {
      exc_type: "NotFound",
      exc_path: "airports.NotFound",
      exc_args: ["airport", "42", { k: "1", n: ["True", "None"] }],
      value: "('airport', 42, {'k': 1, 'n': [True, None]})",
    });
    assert.equal(toWireError(new NotFound("one"), "a").value, "one");
    assert.equal(toWireError(new NotFound(), "a").value, "");
  });

  test("registered classes and static excPath name their path", () => {
    assert.equal(toWireError(new Registered("x"), "svc").exc_path, "shop.Registered");
    assert.equal(toWireError(new WithPath("k"), "svc").exc_path, "builtins.KeyError");
    assert.equal(toWireError(new MethodNotFound("m"), "svc").exc_path, "nameko.exceptions.MethodNotFound");
  });

  test("anything thrown that is not an Error", () => {
    assert.deepEqual(toWireError("oops", "svc"), {
      exc_type: "Exception",
      exc_path: "builtins.Exception",
      exc_args: ["oops"],
      value: "oops",
    });
    assert.equal(toWireError(42, "svc").value, "42");
  });

  test("UnserializableValueError carries no args and names the value", () => {
    const wire = toWireError(new UnserializableValueError(new Set([1])), "svc");
    assert.deepEqual(wire.exc_args, []);
    assert.match(wire.value, /^Unserializable value: `<Set object at 0x[0-9a-f]+>`$/);
  });
});

describe("fromWireError", () => {
  test("known paths come back as their classes", () => {
    const wire = {
      exc_type: "MethodNotFound",
      exc_path: "nameko.exceptions.MethodNotFound",
      exc_args: ["nope"],
      value: "nope",
    };
    const err = fromWireError(wire);
    assert.ok(err instanceof MethodNotFound);
    assert.equal(err.message, "nope");
    assert.ok(
      fromWireError({ ...wire, exc_path: "nameko.exceptions.IncorrectSignature" }) instanceof
        IncorrectSignature,
    );
    assert.ok(
      fromWireError({ ...wire, exc_path: "nameko.exceptions.MalformedRequest" }) instanceof MalformedRequest,
    );
    const registered = fromWireError({
      exc_type: "Registered",
      exc_path: "shop.Registered",
      exc_args: ["a", "1"],
      value: "('a', 1)",
    });
    assert.ok(registered instanceof Registered);
    assert.deepEqual((registered as Registered).args, ["a", "1"]);
    assert.equal(registered.message, "('a', 1)");
  });

  test("anything else is a RemoteError with the remote type and value", () => {
    const err = fromWireError({
      exc_type: "ValueError",
      exc_path: "builtins.ValueError",
      exc_args: ["boom", "42"],
      value: "('boom', 42)",
    });
    assert.ok(err instanceof RemoteError);
    assert.equal(err.message, "ValueError ('boom', 42)");
    assert.equal((err as RemoteError).excType, "ValueError");
    assert.deepEqual((err as RemoteError).excArgs, ["boom", "42"]);
  });

  test("the stack names the remote origin, not Enoki's reply path", () => {
    const known = fromWireError({
      exc_type: "MethodNotFound",
      exc_path: "nameko.exceptions.MethodNotFound",
      exc_args: ["nope"],
      value: "nope",
    });
    assert.equal(
      known.stack,
      "MethodNotFound: nope\n    at nameko.exceptions.MethodNotFound (raised by the remote service)",
    );
    const remote = fromWireError({ exc_type: "KeyError", exc_args: ["k"], value: "'k'" });
    assert.equal(remote.stack, "RemoteError: KeyError 'k'\n    at KeyError (raised by the remote service)");
  });

  test("a malformed error dict still gives a RemoteError (missing exc_args is fine)", () => {
    assert.ok(fromWireError({ exc_type: "X", value: "v" }) instanceof RemoteError);
    assert.ok(fromWireError("garbage") instanceof RemoteError);
    assert.ok(fromWireError(null) instanceof RemoteError);
  });
});

describe("Python text", () => {
  test("repr and str", () => {
    assert.equal(pythonStr(["a"]), "a");
    assert.equal(pythonStr(["a", 1]), "('a', 1)");
    assert.equal(pythonRepr(["x"], true), "('x',)");
    assert.equal(pythonRepr("it's"), `"it's"`);
    assert.equal(pythonRepr("a\nb"), "'a\\nb'");
    assert.equal(pythonRepr({ a: [1, "b"], c: false }), "{'a': [1, 'b'], 'c': False}");
  });

  test("safeForSerialization never assigns a __proto__ key", () => {
    const input = JSON.parse('{"__proto__": {"polluted": 1}, "k": 2}');
    const out = safeForSerialization(input) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(out), ["__proto__", "k"]);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bindArguments, markWrapper, parseParameters, type Signature } from "../../../src/core/signature.js";
import { IncorrectSignature } from "../../../src/wire/remote-errors.js";

class Sample {
  plain(a: string, b: number) {
    return [a, b];
  }
  async defaults(name: string, greeting = "Hello", sep = ", (x)") {
    return [name, greeting, sep];
  }
  rest(first: string, ...others: string[]) {
    return [first, others];
  }
  pattern({ a }: { a: number }, [b]: number[] = [1], /* note, c */ c = { d: [1, 2] }) {
    return [a, b, c];
  }
  none() {
    return 1;
  }
}

const sig = (method: keyof Sample): Signature => ({
  method,
  params: parseParameters(Sample.prototype[method]),
});

describe("parseParameters", () => {
  test("reads names, defaults and rest parameters from the source", () => {
    assert.deepEqual(parseParameters(Sample.prototype.plain), [
      { name: "a", hasDefault: false, rest: false },
      { name: "b", hasDefault: false, rest: false },
    ]);
    assert.deepEqual(
      parseParameters(Sample.prototype.defaults).map((p) => [p.name, p.hasDefault]),
      [
        ["name", false],
        ["greeting", true],
        ["sep", true],
      ],
    );
    assert.deepEqual(parseParameters(Sample.prototype.rest)[1], {
      name: "others",
      hasDefault: false,
      rest: true,
    });
    assert.deepEqual(parseParameters(Sample.prototype.none), []);
  });

  test("destructuring patterns are positional only; comments and nested defaults are skipped", () => {
    assert.deepEqual(
      parseParameters(Sample.prototype.pattern).map((p) => [p.name, p.hasDefault]),
      [
        [undefined, false],
        [undefined, true],
        ["c", true],
      ],
    );
  });

  test("arrow functions and plain functions", () => {
    assert.deepEqual(
      parseParameters((x: number, y = 2) => x + y).map((p) => p.name),
      ["x", "y"],
    );
    assert.deepEqual(
      parseParameters(async (x: number) => x).map((p) => p.name),
      ["x"],
    );
  });
});

describe("bindArguments (Python's rules and wording)", () => {
  test("positional and keyword arguments bind by position and by name", () => {
    assert.deepEqual(bindArguments(sig("plain"), ["x"], { b: 2 }), ["x", 2]);
    assert.deepEqual(bindArguments(sig("plain"), [], { b: 2, a: "x" }), ["x", 2]);
    assert.deepEqual(bindArguments(sig("defaults"), ["n"], { sep: "-" }), ["n", undefined, "-"]);
    assert.deepEqual(bindArguments(sig("rest"), ["a", "b", "c"], {}), ["a", "b", "c"]);
  });

  const cases: Array<[keyof Sample, unknown[], Record<string, unknown>, string]> = [
    ["plain", [], {}, "plain() missing 2 required positional arguments: 'a' and 'b'"],
    ["plain", ["x"], {}, "plain() missing 1 required positional argument: 'b'"],
    ["plain", [1, 2, 3], {}, "plain() takes 2 positional arguments but 3 were given"],
    ["defaults", [1, 2, 3, 4], {}, "defaults() takes from 1 to 3 positional arguments but 4 were given"],
    ["none", [1], {}, "none() takes 0 positional arguments but 1 was given"],
    ["plain", ["x"], { c: 3 }, "plain() got an unexpected keyword argument 'c'"],
    ["plain", ["x"], { a: "y" }, "plain() got multiple values for argument 'a'"],
    // As it arrives from JSON.parse: "__proto__" is an own key, not the prototype.
    [
      "plain",
      ["x", 1],
      JSON.parse('{"__proto__": 1}'),
      "plain() got an unexpected keyword argument '__proto__'",
    ],
    [
      "plain",
      ["x"],
      JSON.parse('{"constructor": 1}'),
      "plain() got an unexpected keyword argument 'constructor'",
    ],
  ];
  for (const [method, args, kwargs, message] of cases) {
    test(`IncorrectSignature: ${message}`, () => {
      assert.throws(
        () => bindArguments(sig(method), args, kwargs),
        (err: unknown) => err instanceof IncorrectSignature && err.message === message,
      );
    });
  }

  test("three missing arguments use Python's serial comma", () => {
    const s: Signature = { method: "f", params: parseParameters((a: 1, b: 2, c: 3) => [a, b, c]) };
    assert.throws(() => bindArguments(s, [], {}), {
      message: "f() missing 3 required positional arguments: 'a', 'b', and 'c'",
    });
  });
});

test("a wrapper marked as standing for a method is read as that method (through wrappers of wrappers)", () => {
  function original(who: string, greeting = "Hi") {
    return `${greeting} ${who}`;
  }
  const wrapper = (...args: unknown[]) => args;
  const outer = (...args: unknown[]) => args;
  assert.deepEqual(
    parseParameters(wrapper).map((p) => p.name),
    ["args"],
  );
  markWrapper(wrapper, original);
  markWrapper(outer, wrapper);
  assert.deepEqual(parseParameters(outer), [
    { name: "who", hasDefault: false, rest: false },
    { name: "greeting", hasDefault: true, rest: false },
  ]);
});

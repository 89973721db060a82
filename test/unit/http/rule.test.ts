import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Router from "find-my-way";
import { type CompiledRule, parseRule } from "../../../src/http/rule.js";
import { ConfigurationError } from "../../../src/index.js";

/** Routes `rules` like the server does and returns [rule, params] for a path, or null. */
function router(...rules: string[]) {
  const r = Router({ maxParamLength: 64 * 1024 });
  for (const rule of rules) {
    const compiled = parseRule(rule);
    r.on("GET", compiled.pattern, () => undefined, compiled);
  }
  return (path: string) => {
    const found = r.find("GET", path);
    if (found === null) return null;
    const rule = found.store as CompiledRule;
    const params = rule.convert(found.params);
    return params === undefined ? null : [rule.rule, params];
  };
}

describe("parseRule: patterns", () => {
  const cases: [string, string][] = [
    ["/", "/"],
    ["/airports", "/airports"],
    ["/airport/<string:airport_id>", "/airport/:airport_id"],
    ["/airport/<airport_id>", "/airport/:airport_id"],
    ["/item/<int:id>", "/item/:id(^\\d+$)"],
    ["/item/<int(signed=True):id>", "/item/:id(^-?\\d+$)"],
    ["/item/<int(fixed_digits=4):id>", "/item/:id(^\\d{4}$)"],
    ["/price/<float:x>", "/price/:x(^\\d+\\.\\d+$)"],
    ["/files/<path:rest>", "/files/*"],
    ["/kind/<any(car, 'bike'):k>", "/kind/:k(^(?:car|bike)$)"],
    ["/code/<string(length=3):c>", "/code/:c(^[^/]{3,3}$)"],
    ["/dir/", "/dir/"],
    ["/a:b/<x>", "/a::b/:x"],
    ["/v/<a>-<int:b>.json", "/v/:a(^[^/]+?$)-:b(^\\d+$).json"],
  ];
  for (const [rule, pattern] of cases) {
    test(`${rule} → ${pattern}`, () => assert.equal(parseRule(rule).pattern, pattern));
  }

  test("variables are listed in rule order", () => {
    assert.deepEqual(parseRule("/<int:b>/x/<a>/<path:c>").variables, ["b", "a", "c"]);
  });
});

describe("parseRule: errors", () => {
  const bad: [string, RegExp][] = [
    ["airports", /must start with a slash/],
    ["/a?b=1", /must not contain \? or #/],
    ["/x/<foo:y>", /unknown converter foo/],
    ["/x/<int(size=2):y>", /int has no argument size: use fixed_digits, min, max, signed/],
    ["/x/<int(min='a'):y>", /argument min must be a number/],
    ["/x/<int(signed=1):y>", /argument signed must be True or False/],
    ["/x/<string(length=-1):y>", /length must be a non-negative integer/],
    ["/x/<path:p>/edit", /<path:\.\.\.> variable can only end the rule/],
    ["/x/<path:p>.json", /<path:\.\.\.> variable can only end the rule/],
    ["/x/<a>/<a>", /variable a appears twice/],
    ["/x/<a", /write variables as <converter:name>/],
    ["/x/<1a>", /write variables as <converter:name>/],
    ["/x/*", /literal \* is not supported/],
    ["/x/<any:k>", /any\(\) takes the accepted values/],
  ];
  for (const [rule, message] of bad) {
    test(`${rule} is refused`, () => {
      assert.throws(
        () => parseRule(rule),
        (e: unknown) => e instanceof ConfigurationError && message.test(e.message),
      );
    });
  }
});

describe("matching and conversion", () => {
  test("<int:> takes precedence over <string:>, and a static segment over both", () => {
    // Registered in the least helpful order on purpose.
    const find = router("/item/<name>", "/item/<int:id>", "/item/me");
    assert.deepEqual(find("/item/42"), ["/item/<int:id>", { id: 42 }]);
    assert.deepEqual(find("/item/abc"), ["/item/<name>", { name: "abc" }]);
    assert.deepEqual(find("/item/4x"), ["/item/<name>", { name: "4x" }]);
    assert.deepEqual(find("/item/me"), ["/item/me", {}]);
  });

  test("<int:> alone does not match text; <int:> values are numbers", () => {
    const find = router("/int/<int:id>");
    assert.equal(find("/int/abc"), null);
    assert.equal(find("/int/-3"), null);
    assert.deepEqual(find("/int/007"), ["/int/<int:id>", { id: 7 }]);
  });

  test("an integer too large for a JavaScript number is not rounded into another id", () => {
    assert.equal(router("/int/<int:id>")("/int/99999999999999999999"), null);
  });

  test("int min/max and signed", () => {
    const find = router("/n/<int(signed=True, min=-5, max=5):n>");
    assert.deepEqual(find("/n/-5"), ["/n/<int(signed=True, min=-5, max=5):n>", { n: -5 }]);
    assert.equal(find("/n/-6"), null);
    assert.equal(find("/n/6"), null);
  });

  test("float", () => {
    const find = router("/f/<float:x>");
    assert.deepEqual(find("/f/1.5"), ["/f/<float:x>", { x: 1.5 }]);
    assert.equal(find("/f/1"), null);
  });

  test("<path:> matches slashes but not nothing", () => {
    const find = router("/files/<path:rest>");
    assert.deepEqual(find("/files/a/b/c.txt"), ["/files/<path:rest>", { rest: "a/b/c.txt" }]);
    assert.equal(find("/files/"), null);
  });

  test("<path:> comes after every other converter", () => {
    const find = router("/p/<path:rest>", "/p/<name>");
    assert.deepEqual(find("/p/x"), ["/p/<name>", { name: "x" }]);
    assert.deepEqual(find("/p/x/y"), ["/p/<path:rest>", { rest: "x/y" }]);
  });

  test("<string:> needs at least one character", () => {
    assert.equal(router("/s/<name>")("/s/"), null);
  });

  test("string length arguments", () => {
    const find = router("/c/<string(length=2):code>", "/c/<name>", "/d/<string(minlength=4, maxlength=5):d>");
    assert.deepEqual(find("/c/ab"), ["/c/<string(length=2):code>", { code: "ab" }]);
    assert.deepEqual(find("/c/abc"), ["/c/<name>", { name: "abc" }]);
    assert.equal(find("/d/abc"), null);
    assert.deepEqual(find("/d/abcd"), ["/d/<string(minlength=4, maxlength=5):d>", { d: "abcd" }]);
    assert.equal(find("/d/abcdef"), null);
  });

  test("uuid and any", () => {
    const find = router("/u/<uuid:id>", "/k/<any(car, bike):kind>");
    const id = "123e4567-e89b-12d3-a456-426614174000";
    assert.deepEqual(find(`/u/${id}`), ["/u/<uuid:id>", { id }]);
    assert.equal(find("/u/123"), null);
    assert.deepEqual(find("/k/bike"), ["/k/<any(car, bike):kind>", { kind: "bike" }]);
    assert.equal(find("/k/boat"), null);
  });

  test("several variables in one segment, next to static text", () => {
    const find = router("/v/<a>-<int:b>.json");
    assert.deepEqual(find("/v/x-y-12.json"), ["/v/<a>-<int:b>.json", { a: "x-y", b: 12 }]);
    assert.equal(find("/v/x-y.json"), null);
  });

  test("parameters are percent-decoded; long ones still match", () => {
    const find = router("/s/<name>");
    assert.deepEqual(find("/s/caf%C3%A9"), ["/s/<name>", { name: "café" }]);
    const long = "x".repeat(5000);
    assert.deepEqual(find(`/s/${long}`), ["/s/<name>", { name: long }]);
  });

  test("a colon in static text", () => {
    assert.deepEqual(router("/a:b/<x>")("/a:b/1"), ["/a:b/<x>", { x: "1" }]);
  });

  test("trailing slashes are strict (the server redirects)", () => {
    const find = router("/dir/", "/file");
    assert.equal(find("/dir"), null);
    assert.equal(find("/file/"), null);
    assert.deepEqual(find("/dir/"), ["/dir/", {}]);
  });
});

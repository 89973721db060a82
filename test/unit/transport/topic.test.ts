import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { hasWildcard, topicMatches, topicWords } from "../../../src/transport/memory/topic.js";

// A deliberately naive reference: backtracking over words.
function reference(pattern: string[], key: string[]): boolean {
  if (pattern.length === 0) return key.length === 0;
  const [word, ...rest] = pattern;
  if (word === "#") return reference(rest, key) || (key.length > 0 && reference(pattern, key.slice(1)));
  if (key.length === 0) return false;
  return (word === "*" || word === key[0]) && reference(rest, key.slice(1));
}

test("splits like RabbitMQ: the empty key has no words, '.' has two empty ones", () => {
  assert.deepEqual(topicWords(""), []);
  assert.deepEqual(topicWords("."), ["", ""]);
  assert.deepEqual(topicWords("a..b"), ["a", "", "b"]);
  assert.equal(hasWildcard("a.*"), true);
  assert.equal(hasWildcard("a*.b#"), false);
});

test("examples", () => {
  assert.equal(topicMatches("#", ""), true);
  assert.equal(topicMatches("*", ""), false);
  assert.equal(topicMatches("a.#", "a"), true);
  assert.equal(topicMatches("#.a", "a"), true);
  assert.equal(topicMatches("a.*.c", "a..c"), true);
  assert.equal(topicMatches("a.*", "a.b.c"), false);
  assert.equal(topicMatches("service.*", "service.method"), true);
  assert.equal(topicMatches("a*", "ab"), false);
});

test("agrees with a naive matcher on random patterns and keys", () => {
  const join = (words: string[]) => words.join(".");
  const patternWord = fc.constantFrom("a", "b", "", "*", "#");
  const keyWord = fc.constantFrom("a", "b", "");
  fc.assert(
    fc.property(
      fc.array(patternWord, { maxLength: 6 }),
      fc.array(keyWord, { maxLength: 6 }),
      (patternList, keyList) => {
        const pattern = join(patternList);
        const key = join(keyList);
        assert.equal(
          topicMatches(pattern, key),
          reference(topicWords(pattern), topicWords(key)),
          `${JSON.stringify(pattern)} vs ${JSON.stringify(key)}`,
        );
      },
    ),
    { numRuns: 3000 },
  );
});

test("many #s stay fast", () => {
  const pattern = `${Array.from({ length: 40 }, () => "#").join(".")}.z`;
  const key = Array.from({ length: 200 }, () => "a").join(".");
  const start = performance.now();
  assert.equal(topicMatches(pattern, key), false);
  assert.ok(performance.now() - start < 1000);
});

/**
 * docs/testing.md shows only code that runs: every ```ts block of the page follows a line
 * `<!-- example: <file>#<region> -->` and is exactly that region of the file (the lines between
 * `// #region <name>` and `// #endregion <name>`), and the files are tests that `npm test` runs
 * (test/examples/testing-docs). Every region is shown somewhere, so none is left behind.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

const DOC = "docs/testing.md";
const EXAMPLES = "test/examples/testing-docs/";
const page = readFileSync(join(repoRoot, DOC), "utf8");

interface Block {
  readonly file: string | undefined;
  readonly region: string | undefined;
  readonly code: string;
  readonly line: number;
}

function tsBlocks(): Block[] {
  const pattern = /(?:^<!-- example: (\S+)#(\S+) -->\n)?^```ts\n([\s\S]*?)^```$/gm;
  return [...page.matchAll(pattern)].map((m) => ({
    file: m[1],
    region: m[2],
    code: m[3] ?? "",
    line: page.slice(0, m.index).split("\n").length,
  }));
}

function regionsOf(file: string): Map<string, string> {
  const regions = new Map<string, string>();
  const text = readFileSync(join(repoRoot, file), "utf8");
  for (const m of text.matchAll(/^\/\/ #region (\S+)\n([\s\S]*?)^\/\/ #endregion \1$/gm))
    regions.set(m[1] as string, (m[2] ?? "").replace(/\n+$/, "\n")); // as the formatter leaves a block
  return regions;
}

const blocks = tsBlocks();

test("the page has examples, each one taken from an example test", () => {
  assert.ok(blocks.length >= 5, `only ${blocks.length} ts blocks in ${DOC}`);
  for (const block of blocks) {
    assert.ok(
      block.file !== undefined,
      `${DOC}:${block.line}: a ts block without <!-- example: file#region -->`,
    );
    assert.ok(
      block.file.startsWith(EXAMPLES) && block.file.endsWith(".ts"),
      `${block.file} is not under ${EXAMPLES}`,
    );
  }
});

for (const block of blocks.filter((b) => b.file !== undefined)) {
  test(`${DOC}:${block.line} is ${block.file}#${block.region}`, () => {
    const region = regionsOf(block.file as string).get(block.region as string);
    assert.ok(region !== undefined, `${block.file} has no region ${block.region}`);
    assert.equal(block.code, region, `copy the region into ${DOC} again`);
  });
}

test("every region of the examples is on the page", () => {
  const shown = new Set(blocks.map((b) => `${b.file}#${b.region}`));
  const files = readdirSync(join(repoRoot, EXAMPLES)).map((name) => `${EXAMPLES}${name}`);
  for (const file of files)
    for (const region of regionsOf(file).keys())
      assert.ok(shown.has(`${file}#${region}`), `${file}#${region} is not shown in ${DOC}`);
});

/**
 * The guides show only code that runs: every ```ts block of docs/testing.md and
 * docs/writing-extensions.md follows a line `<!-- example: <file>#<region> -->` and is exactly
 * that region of the file (the lines between `// #region <name>` and `// #endregion <name>`), and
 * the files are tests that `npm test` runs (test/examples/testing-docs, extension-docs). Every
 * region is shown somewhere, so none is left behind.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

interface Block {
  readonly file: string | undefined;
  readonly region: string | undefined;
  readonly code: string;
  readonly line: number;
}

function tsBlocks(page: string): Block[] {
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

const GUIDES = [
  { doc: "docs/testing.md", examples: "test/examples/testing-docs/", atLeast: 5 },
  { doc: "docs/writing-extensions.md", examples: "test/examples/extension-docs/", atLeast: 3 },
];

for (const { doc: DOC, examples: EXAMPLES, atLeast } of GUIDES) {
  const blocks = tsBlocks(readFileSync(join(repoRoot, DOC), "utf8"));

  test(`${DOC} has examples, each one taken from an example test`, () => {
    assert.ok(blocks.length >= atLeast, `only ${blocks.length} ts blocks in ${DOC}`);
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

  test(`every region of ${EXAMPLES} is on ${DOC}`, () => {
    const shown = new Set(blocks.map((b) => `${b.file}#${b.region}`));
    const files = readdirSync(join(repoRoot, EXAMPLES)).map((name) => `${EXAMPLES}${name}`);
    for (const file of files)
      for (const region of regionsOf(file).keys())
        assert.ok(shown.has(`${file}#${region}`), `${file}#${region} is not shown in ${DOC}`);
  });
}

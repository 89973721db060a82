/**
 * The public API, per package subpath, is a reviewed list (docs/public-api.md): a change to what
 * a subpath exports fails here until the list is written again (`npm run api:report`), so it
 * shows in review. Names are read from the entry files' export statements.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { test } from "node:test";

const ROOT = new URL("../../../", import.meta.url);
const REPORT = new URL("docs/public-api.md", ROOT);

/** Package subpath → its entry file (package.json `exports`, in source form). */
function subpaths(): Array<[string, string]> {
  const pkg = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as {
    exports: Record<string, { default: string }>;
  };
  return Object.entries(pkg.exports).map(([path, target]) => [
    path === "." ? "enoki" : `enoki/${path.slice(2)}`,
    target.default.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"),
  ]);
}

/** The names a file exports, with `type ` before type-only ones. */
export function exportedNames(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(/^export (type )?\{([^}]*)\}/gm)) {
    for (const raw of (m[2] as string).split(",")) {
      const item = raw.trim();
      if (item === "") continue;
      const isType = m[1] !== undefined || item.startsWith("type ");
      const name = item
        .replace(/^type /, "")
        .split(/\s+as\s+/)
        .pop() as string;
      names.push(`${isType ? "type " : ""}${name}`);
    }
  }
  const declared = /^export (?:declare )?(?:async )?(function|const|let|class|interface|type|enum) (\w+)/gm;
  for (const m of text.matchAll(declared)) {
    names.push(`${m[1] === "interface" || m[1] === "type" ? "type " : ""}${m[2]}`);
  }
  return names.sort((a, b) => a.replace(/^type /, "").localeCompare(b.replace(/^type /, "")));
}

function report(): string {
  const sections = subpaths().map(([subpath, file]) => {
    const names = exportedNames(readFileSync(new URL(file, ROOT), "utf8"));
    return `## ${subpath}\n\n${names.map((n) => `- \`${n}\``).join("\n")}\n`;
  });
  return `# Public API\n\nWhat each package subpath exports, written by \`npm run api:report\` and checked by\ntest/unit/architecture/public-api.test.ts: a change here is a change to the public API.\n\n${sections.join("\n")}`;
}

test("each subpath exports exactly the reviewed names (docs/public-api.md)", () => {
  const current = report();
  if (process.env.ENOKI_UPDATE_API === "1") writeFileSync(REPORT, current);
  assert.equal(
    readFileSync(REPORT, "utf8"),
    current,
    "the public API changed: run npm run api:report and review",
  );
});

test("the export reader sees every form", () => {
  const text = [
    'export { a, type B, c as d } from "./x.js";',
    'export type { E } from "./y.js";',
    "export function f() {}",
    "export interface G {}",
    "export const h = 1;",
  ].join("\n");
  assert.deepEqual(exportedNames(text), ["a", "type B", "d", "type E", "f", "type G", "h"]);
});

/**
 * Runs the type checker over the whole project, so the type tests in test/types (lines marked
 * `@ts-expect-error` must fail to compile) are part of `npm test`.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("the project type-checks, type tests included", async () => {
  const tsc = fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url));
  const result = await promisify(execFile)(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.json"], {
    cwd: root,
  }).catch((err: { stdout: string; code: number }) => err);
  assert.equal("code" in result ? result.code : 0, 0, "stdout" in result ? result.stdout : "");
});

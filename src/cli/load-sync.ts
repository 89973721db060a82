/**
 * Loading Enoki's own modules when a command starts: synchronously, with `require()`, where Node
 * can require ES modules (20.19 and later, unless --no-experimental-require-module). Node's
 * asynchronous loader makes several round trips to its thread pool for each file (open, stat,
 * read, close), and `enoki run` loads some 130 of them: on a busy machine those waits were most
 * of a service's start. A module loaded so is the very instance a later `import` gets.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const FALLBACK_CODES = new Set<unknown>([
  "ERR_REQUIRE_ESM",
  "ERR_REQUIRE_ASYNC_MODULE",
  "ERR_REQUIRE_CYCLE_MODULE",
]);

/** `import(specifier)` (relative to this folder), done synchronously when Node allows it. */
export async function loadModule<T>(specifier: string): Promise<T> {
  try {
    return require(specifier) as T;
  } catch (err) {
    // Node without require(esm), a module with a top-level await (which require() cannot wait
    // for), or one in a cycle still being loaded: the asynchronous loader, as before.
    const code = (err as { code?: unknown }).code;
    if (!FALLBACK_CODES.has(code)) throw err;
    return (await import(specifier)) as T;
  }
}

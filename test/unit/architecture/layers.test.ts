/**
 * The layers of src/ import only downwards (docs/architecture.md draws them). Each folder lists
 * the folders it may import; anything else fails here, naming the file and the import. Client
 * libraries stay inside the one folder that adapts them.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

const FOUNDATION = ["util", "transport", "wire", "tracing", "core"];
const FEATURES = ["rpc", "events", "messaging", "http", "timer", "redis", "health", "metrics", "idempotency"];
const ADAPTERS = ["amqp", "memory"];

/** Layer → the layers it may import (besides itself). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  util: [],
  transport: ["util"],
  wire: ["transport", "util"],
  tracing: ["wire", "transport", "util"],
  core: ["tracing", "wire", "transport", "util"],
  amqp: ["transport", "util"],
  memory: ["transport", "util"],
  messaging: FOUNDATION,
  rpc: ["messaging", ...FOUNDATION],
  http: FOUNDATION,
  timer: FOUNDATION,
  redis: ["idempotency", ...FOUNDATION],
  idempotency: FOUNDATION,
  health: FOUNDATION,
  metrics: FOUNDATION,
  events: ["messaging", ...FOUNDATION],
  runtime: [...FEATURES, ...ADAPTERS, ...FOUNDATION],
  standalone: ["runtime", ...FEATURES, ...ADAPTERS, ...FOUNDATION],
  testing: ["standalone", "runtime", ...FEATURES, ...ADAPTERS, ...FOUNDATION],
  entry: ["standalone", "runtime", ...FEATURES, ...ADAPTERS, ...FOUNDATION],
  // cli/ loads index.ts before the services do, to start them sooner (cli/load-sync.ts).
  cli: ["entry", "testing", "standalone", "runtime", ...FEATURES, ...ADAPTERS, ...FOUNDATION],
};

/** Packages that only their adapter may import, so no client library leaks past it. */
const PACKAGE_HOMES: Readonly<Record<string, readonly string[]>> = {
  amqplib: ["amqp"],
  pino: ["util"],
  "find-my-way": ["http"],
  ioredis: ["redis"],
  yaml: ["core"],
  tsx: ["cli"],
  "prom-client": ["metrics"],
  "@opentelemetry/api": ["tracing"],
};

/** The layer a file under src/ belongs to: its top folder (transport/memory is an adapter). */
export function layerOf(file: string): string {
  const parts = file.split("/");
  if (parts.length === 1) return "entry";
  if (parts[0] === "transport" && parts[1] === "memory") return "memory";
  return parts[0] as string;
}

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".ts"))
    .sort();
}

/** Every module specifier a file names: static imports and exports, `import()` and bare imports. */
export function specifiers(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"/g;
  for (const match of text.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

function violations(): string[] {
  const problems: string[] = [];
  for (const file of sourceFiles()) {
    const from = layerOf(file);
    const allowed = MAY_IMPORT[from];
    if (allowed === undefined) {
      problems.push(`${file}: folder ${from}/ has no place in the layer table (add it to MAY_IMPORT)`);
      continue;
    }
    for (const spec of specifiers(readFileSync(join(SRC, file), "utf8"))) {
      if (spec.startsWith(".")) {
        const target = relative(SRC, join(SRC, dirname(file), spec));
        const to = layerOf(target);
        if (to !== from && !allowed.includes(to)) problems.push(`${file} imports ${to}/ (${spec})`);
      } else {
        const pkg = spec.startsWith("@")
          ? spec.split("/").slice(0, 2).join("/")
          : (spec.split("/")[0] as string);
        const homes = PACKAGE_HOMES[pkg];
        if (homes !== undefined && !homes.includes(from)) problems.push(`${file} imports the package ${pkg}`);
      }
    }
  }
  return problems;
}

test("every import in src/ runs down the layers (docs/architecture.md)", () => {
  assert.deepEqual(violations(), []);
});

test("the checker sees imports of every form", () => {
  const text = [
    'import { a } from "../core/a.js";',
    'export type { B } from "../wire/b.js";',
    'import "./side-effect.js";',
    'const m = await import("../runtime/runner.js");',
  ].join("\n");
  assert.deepEqual(specifiers(text), [
    "../core/a.js",
    "../wire/b.js",
    "./side-effect.js",
    "../runtime/runner.js",
  ]);
  assert.equal(layerOf("transport/memory/queue.ts"), "memory");
  assert.equal(layerOf("transport/transport.ts"), "transport");
  assert.equal(layerOf("index.ts"), "entry");
});

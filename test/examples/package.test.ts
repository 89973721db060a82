/**
 * The package as a user gets it: `npm pack` of this repository (as built by `npm test`'s pretest),
 * the tarball installed into a fresh project in a temporary directory (no workspace, no link),
 * and there, the README's "Quick start in a new project", its files taken from the README and its
 * commands run in it: the TypeScript service with `npx enoki run`, called from the JavaScript
 * client and from the typed TypeScript client (`tsc` passes; a misspelt method does not compile),
 * the compiled `.js` service run with tsx and esbuild unresolvable, and the `enoki/testing` test
 * with `node --test`. Also: what the tarball holds, and that the types of every subpath resolve.
 *
 * One project serves every test of the file (installing is most of its time). It and every
 * process started here are removed when the file ends, whether its tests passed or not.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { brokerUri } from "../support/broker.js";
import {
  type CliProcess,
  killAllCli,
  loggedPid,
  repoRoot,
  signalGroup,
  startCommand,
  waitForPidExit,
} from "../support/cli.js";

// The processes started here run in the temporary project as in a user's terminal: not as children
// of this test runner (a nested `node --test` would take itself for one of its files), and without
// writing coverage of npm and tsc for `npm test`'s report.
delete process.env.NODE_TEST_CONTEXT;
delete process.env.NODE_V8_COVERAGE;

// Before the directory is removed: processes go first.
after(() => killAllCli());
const root = mkdtempSync(join(tmpdir(), "enoki-package-"));
after(() => rmSync(root, { recursive: true, force: true }));
/** Every command this file runs, as a process group of its own (npm, npx and what they start). */
const groups = new Set<number>();
// A file that overruns its time limit is ended with SIGTERM, and `after` hooks do not run then:
// what it started is killed and its directory removed here.
process.once("SIGTERM", () => {
  for (const group of groups) signalGroup(group, "SIGKILL");
  rmSync(root, { recursive: true, force: true });
  process.exit(143);
});
const project = join(root, "greeting");
const uri = brokerUri();
const SECTION = "Quick start in a new project";
const devDependencies = (
  JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
  }
).devDependencies;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to the end in `cwd` (the project unless said), in a process group of its own,
 * which is killed when it ends (anything it left behind) or after `timeoutMs`.
 */
async function run(
  command: string,
  args: readonly string[],
  {
    cwd = project,
    env = {},
    timeoutMs = 60_000,
  }: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Run> {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const group = child.pid;
  if (group !== undefined) groups.add(group);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => group !== undefined && signalGroup(group, "SIGKILL"), timeoutMs);
  try {
    const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
    assert.ok(code !== null, `${command} ${args.join(" ")}: ended by ${signal}\n${stdout}\n${stderr}`);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    if (group !== undefined) {
      signalGroup(group, "SIGKILL");
      groups.delete(group);
    }
  }
}

/** Runs a command that must succeed; resolves with its standard output. */
async function succeed(command: string, args: readonly string[], options?: Parameters<typeof run>[2]) {
  const result = await run(command, args, options);
  const shown = `${command} ${args.join(" ")}`;
  assert.equal(result.code, 0, `${shown} failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

const npm = (args: readonly string[], options?: Parameters<typeof run>[2]) => succeed("npm", args, options);
const npx = (args: readonly string[]) => succeed("npx", args);
const node = (args: readonly string[], env: Record<string, string> = {}) =>
  succeed(process.execPath, args, { env: { AMQP_URI: uri, ...env } });

/** The files of the README's section, each a code block after `<!-- file: name -->`. */
function readmeFiles(): Map<string, string> {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const start = readme.indexOf(`\n## ${SECTION}\n`);
  assert.ok(start >= 0, `the README has no section "${SECTION}"`);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const files = new Map<string, string>();
  for (const m of section.matchAll(/^<!-- file: (\S+) -->\n```\w*\n([\s\S]*?)^```$/gm)) {
    files.set(m[1] as string, m[2] as string);
  }
  return files;
}

let compiled: Promise<string> | undefined;
/** `npx tsc` in the project, once, before the tests that run what it compiles. */
const tsc = () => {
  compiled ??= npx(["tsc"]);
  return compiled;
};

let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };

before(async () => {
  const pack = async () => {
    // --ignore-scripts: pack what pretest built, without building again while other files use dist/.
    const json = await npm(["pack", "--ignore-scripts", "--json", "--pack-destination", root], {
      cwd: repoRoot,
    });
    [packed] = JSON.parse(json) as [typeof packed];
  };
  const init = async () => {
    mkdirSync(project); // mkdir greeting && cd greeting
    await npm(["init", "-y"]);
    await npm(["pkg", "set", "type=module"]); // not npm init --init-type: npm 10, Node 20's, lacks it
  };
  await Promise.all([pack(), init()]);
  // npm install enoki (this repository's tarball), and npm install --save-dev typescript @types/node
  // in the same install, at the versions this repository uses (in npm's cache), with ioredis for
  // the types of enoki/redis, its optional peer dependency.
  const devTools = ["typescript", "@types/node", "ioredis"].map((name) => `${name}@${devDependencies[name]}`);
  const offline = ["--prefer-offline", "--no-audit", "--no-fund"];
  await npm(["install", join(root, packed.filename), ...devTools, ...offline]);

  const files = readmeFiles();
  assert.deepEqual(
    [...files.keys()].sort(),
    ["call.js", "client.ts", "greeting.test.ts", "greeting.ts", "tsconfig.json"],
    "the README's files",
  );
  for (const [name, text] of files) writeFileSync(join(project, name), text);
  // Not the README's: the types of every subpath, checked with the README's files by `npx tsc`.
  writeFileSync(
    join(project, "subpaths.ts"),
    `import { type Cluster, connect } from "enoki";
import type { DependencyProvider, Entrypoint, ExtensionHost } from "enoki/extension";
import { type Redis, redis } from "enoki/redis";
import { startServices, type TestServices, workerFactory } from "enoki/testing";

export type Used = [Cluster, DependencyProvider, Entrypoint, ExtensionHost, Redis, TestServices];
export const used = [connect, redis, startServices, workerFactory];
`,
  );
  // Compiling from now on, beside the first tests (which await it where they need it).
  tsc().catch(() => undefined);
});

test("the tarball holds the built package, its sources for the maps, and nothing else", (t) => {
  const paths = packed.files.map((file) => file.path).sort();
  const sources = (readdirSync(join(repoRoot, "src"), { recursive: true }) as string[])
    .filter((file) => file.endsWith(".ts"))
    .map((file) => file.split("\\").join("/").replace(/\.ts$/, ""));
  const expected = [
    "README.md",
    "package.json",
    ...(existsSync(join(repoRoot, "LICENSE")) ? ["LICENSE"] : []),
    ...sources.flatMap((name) => [
      `src/${name}.ts`,
      ...[".js", ".js.map", ".d.ts", ".d.ts.map"].map((ext) => `dist/${name}${ext}`),
    ]),
  ].sort();
  const extra = paths.filter((path) => !expected.includes(path));
  const missing = expected.filter((path) => !paths.includes(path));
  assert.deepEqual(
    { extra, missing },
    { extra: [], missing: [] },
    "the tarball is dist/ as built from src/ (stale files in dist/? rm -rf dist && npm run build)",
  );

  // Every source map points at files that are in the package.
  const installed = join(project, "node_modules", "enoki");
  for (const map of paths.filter((path) => path.endsWith(".map"))) {
    const { sources: mapped } = JSON.parse(readFileSync(join(installed, map), "utf8")) as {
      sources: string[];
    };
    for (const source of mapped) {
      const target = posix.join(posix.dirname(map), source);
      assert.ok(paths.includes(target), `${map} names ${source}, which the tarball lacks`);
    }
  }
  const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as Record<string, unknown>;
  assert.equal(pkg.private, undefined, "publishable");
  for (const field of ["description", "keywords", "license", "engines", "files", "bin", "exports"]) {
    assert.ok(pkg[field] !== undefined, `package.json has ${field}`);
  }
  t.diagnostic(
    `${packed.filename}: ${paths.length} files, ${packed.size} bytes, ${packed.unpackedSize} unpacked`,
  );
});

/** Starts `npx enoki run <module>` in the project, as in a terminal; stopped when the test ends. */
async function startService(
  t: TestContext,
  module: string,
  env: Record<string, string> = {},
): Promise<CliProcess> {
  const service = startCommand("npx", ["enoki", "run", module], {
    cwd: project,
    env: { AMQP_URI: uri, ...env },
    detached: true, // npx and Enoki in a group of their own, stopped together
  });
  groups.add(service.child.pid!);
  let pid: number | undefined;
  t.after(async () => {
    signalGroup(service.child.pid!, "SIGTERM");
    if (pid !== undefined) await waitForPidExit(pid);
    await service.exited;
  });
  pid = loggedPid(await service.waitForLog(/"running services: greeting_service"/, 30_000));
  return service;
}

test("npx enoki run greeting.ts answers the JavaScript client and the typed TypeScript client", async (t) => {
  await startService(t, "greeting.ts");
  assert.equal(await node(["call.js"]), "Hello, world!\n");
  await tsc(); // client.ts to client.js
  assert.equal(await node(["client.js"]), "Hello, world!\n");
});

test("npx tsc compiles the README's project, and the types of every subpath resolve", async () => {
  // The README's tsconfig.json: NodeNext, and no skipLibCheck, so the package's declaration files
  // are checked too.
  assert.equal(await tsc(), "");
  for (const name of ["greeting", "client", "greeting.test", "subpaths"]) {
    assert.ok(existsSync(join(project, `${name}.js`)), `${name}.js`);
  }
});

test("with bundler resolution too; a misspelt method, or an argument of the wrong type, does not compile", async (t) => {
  await tsc();
  const client = readFileSync(join(project, "client.ts"), "utf8");
  const typos = {
    "typo-method.ts": client.replace("greeting.hello(", "greeting.helo("),
    "typo-argument.ts": client.replace('greeting.hello("world")', "greeting.hello(42)"),
  };
  t.after(() => {
    for (const name of Object.keys(typos)) rmSync(join(project, name), { force: true });
  });
  for (const [name, text] of Object.entries(typos)) {
    assert.notEqual(text, client, `${name}: client.ts changed`);
    writeFileSync(join(project, name), text);
  }
  // The declaration files were checked above: skipped here, for time.
  const bundler = ["--module", "preserve", "--moduleResolution", "bundler", "--skipLibCheck"];
  const { code, stdout } = await run(join(project, "node_modules", ".bin", "tsc"), ["--noEmit", ...bundler]);
  assert.notEqual(code, 0, "tsc fails");
  const errors = stdout.split("\n").filter((line) => /error TS\d+/.test(line));
  assert.equal(errors.length, 2, `only the two typos fail:\n${stdout}`);
  assert.match(
    errors.find((line) => line.startsWith("typo-method.ts(")) ?? "",
    /Property 'helo' does not exist/,
  );
  assert.match(
    errors.find((line) => line.startsWith("typo-argument.ts(")) ?? "",
    /'number' is not assignable/,
  );
});

test("npx enoki run greeting.js runs the compiled service with tsx and esbuild unresolvable", async (t) => {
  await tsc();
  // Every process of this test resolves modules through this hook, which refuses tsx, esbuild and
  // typescript: what loads one of them fails.
  const hook = join(root, "no-typescript.mjs");
  writeFileSync(
    hook,
    `import { register } from "node:module";
const hooks = \`export async function resolve(specifier, context, next) {
  if (/^(tsx|esbuild|@esbuild|typescript)(\\\\/|$)/.test(specifier)) {
    throw Object.assign(new Error("made unresolvable by the test: " + specifier), { code: "ERR_MODULE_NOT_FOUND" });
  }
  return next(specifier, context);
}\`;
register("data:text/javascript," + encodeURIComponent(hooks));
`,
  );
  const noTypeScript = { NODE_OPTIONS: `--import=${hook}` };

  // And the hook works: a TypeScript service cannot run under it (tried meanwhile, for time).
  const enoki = join(project, "node_modules", ".bin", "enoki");
  const refusing = run(enoki, ["run", "greeting.ts"], { env: { AMQP_URI: uri, ...noTypeScript } });
  refusing.catch(() => undefined); // awaited below, unless the service fails first
  await startService(t, "greeting.js", noTypeScript);
  assert.equal(await node(["call.js"], noTypeScript), "Hello, world!\n");

  const refused = await refusing;
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(
    refused.stderr,
    /cannot run greeting\.ts: TypeScript modules are loaded with tsx, which did not load \(made unresolvable by the test: tsx/,
  );
});

test("node --test runs the README's enoki/testing test, with no broker", async () => {
  await tsc();
  const output = await succeed(process.execPath, ["--test"]);
  assert.match(output, /^# pass 1$/m, output);
  assert.match(output, /^# fail 0$/m, output);
  assert.match(output, /^ok 1 - hello greets by name$/m, output);
});

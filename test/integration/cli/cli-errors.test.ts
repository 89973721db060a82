/**
 * `enoki` usage: help, version, and one-line errors with exit code 2 for everything it cannot
 * run. No broker is needed: each case fails (or answers) before connecting.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { after, test } from "node:test";
import { repoRoot, runCli, scratchDir } from "../../support/cli.js";

const scratch = scratchDir("cli-errors");
after(() => scratch.remove());
const shown = (path: string) => relative(repoRoot, path);

/** Runs the CLI and asserts exit code 2 with exactly one line on stderr, which is returned. */
async function usageError(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await runCli(args);
  assert.equal(code, 2, `enoki ${args.join(" ")} exited ${code}; stderr: ${stderr}`);
  assert.equal(stdout, "");
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `more than one line on stderr:\n${stderr}`);
  return lines[0] as string;
}

test("--help, <command> --help and --version", async () => {
  const version = (JSON.parse(readFileSync(`${repoRoot}/package.json`, "utf8")) as { version: string })
    .version;
  const [main, short, run, shell, showConfig, ver, v] = await Promise.all([
    runCli(["--help"]),
    runCli(["-h"]),
    runCli(["run", "--help"]),
    runCli(["shell", "--help"]),
    runCli(["show-config", "-h"]),
    runCli(["--version"]),
    runCli(["-v"]),
  ]);
  for (const result of [main, short, run, shell, showConfig, ver, v]) {
    assert.equal(result.code, 0);
    assert.equal(result.stderr, "");
  }
  assert.match(main.stdout, /^Usage: enoki <command> \[options\]/);
  for (const command of ["run", "shell", "show-config"])
    assert.match(main.stdout, new RegExp(`\\n  ${command} `));
  assert.equal(short.stdout, main.stdout);
  assert.match(run.stdout, /^Usage: enoki run <module>\[:ServiceClass\] \[more modules\] \[options\]/);
  assert.match(run.stdout, /--broker URI/);
  assert.match(
    run.stdout,
    /\n {2}--watch {9}restart the services when a module they load, or the config file, changes\n/,
  );
  assert.match(run.stdout, /\n {2}enoki run --watch examples\/hello\/hello\.ts\n/);
  assert.match(shell.stdout, /^Usage: enoki shell \[--config FILE\] \[--broker URI\]/);
  assert.match(showConfig.stdout, /^Usage: enoki show-config/);
  assert.equal(ver.stdout, `${version}\n`);
  assert.equal(v.stdout, `${version}\n`);
});

test("no command prints the help on stderr and exits 2", async () => {
  const { code, stdout, stderr } = await runCli([]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.match(stderr, /^Usage: enoki <command>/);
});

test("bad usage: unknown command or option, missing module or value", async () => {
  const errors = await Promise.all([
    usageError(["start"]),
    usageError(["--nope"]),
    usageError(["run"]),
    usageError(["run", "--nope", "x.ts"]),
    usageError(["run", "x.ts", "--config"]),
    usageError(["show-config", "extra"]),
    usageError(["shell", "--broker", "http://localhost"]),
  ]);
  assert.deepEqual(errors, [
    "enoki: unknown command start (see enoki --help)",
    "enoki: unknown option --nope (see enoki --help)",
    "enoki run: give the module to run, such as: enoki run hello.ts (see enoki run --help)",
    "enoki run: unknown option --nope (see enoki run --help)",
    "enoki run: option --config needs a value (see enoki run --help)",
    "enoki show-config: unexpected argument extra (see enoki show-config --help)",
    "enoki shell: Unsupported broker URI http://localhost/: use amqp://, amqps://, pyamqp:// or memory:// (from --broker)",
  ]);
});

test("modules that do not exist, export no service, fail to compile or to load", async () => {
  const noService = scratch.write("no_service.ts", "export class NotAService {}\nexport const x = 1;\n");
  const broken = scratch.write(
    "broken.ts",
    'import { service } from "enoki";\n\nexport const x: number = ;\n',
  );
  const throws = scratch.write("throws.ts", 'throw new Error("no database at load time");\n');
  const missingImport = scratch.write("missing_import.ts", 'import "enoki-no-such-package";\n');
  const brokenJs = scratch.write("broken.js", "export const = 1;\n");
  const errors = await Promise.all([
    usageError(["run", "ghost"]),
    usageError(["run", "ghost.ts"]),
    usageError(["run", noService]),
    usageError(["run", `${noService}:NotAService`]),
    usageError(["run", `${noService}:Missing`]),
    usageError(["run", broken]),
    usageError(["run", throws]),
    usageError(["run", missingImport]),
    usageError(["run", brokenJs]),
    usageError(["run", "package.json"]),
  ]);
  assert.deepEqual(errors.slice(0, 7), [
    `enoki run: no module ghost (looked for ghost.ts, ghost.js in ${repoRoot.replace(/\/$/, "")})`,
    `enoki run: no module ghost.ts (looked for ghost.ts in ${repoRoot.replace(/\/$/, "")})`,
    `enoki run: ${shown(noService)} exports no service: export a class decorated with @service("name")`,
    `enoki run: NotAService in ${shown(noService)} is not a service: decorate it with @service("name")`,
    `enoki run: ${shown(noService)} has no export named Missing`,
    `enoki run: cannot compile ${shown(broken)}: ${shown(broken)}:3:25: Unexpected ";"`,
    `enoki run: cannot load ${shown(throws)}: Error: no database at load time`,
  ]);
  assert.match(
    errors[7] as string,
    new RegExp(
      `^enoki run: cannot load ${shown(missingImport)}: Error: Cannot find package 'enoki-no-such-package'`,
    ),
  );
  assert.match(
    errors[8] as string,
    new RegExp(`^enoki run: cannot compile ${shown(brokenJs)}: Unexpected token`),
  );
  assert.equal(errors[9], "enoki run: cannot run package.json: not a TypeScript or JavaScript module");
});

test("two modules with services of the same name", async () => {
  const error = await usageError(["run", "examples/hello/hello.ts", "examples/hello/hello_v2.ts"]);
  assert.equal(error, "enoki run: Two services are named greeting_service");
});

test("a broken config file: the error names the file, the line and the key", async () => {
  const file = scratch.write(
    "config.yml",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a config file's substitution
    "AMQP_URI: amqp://guest:guest@localhost\nmax_workers: ${WORKERS:ten}\n",
  );
  const errors = await Promise.all([
    usageError(["run", "examples/hello/hello.ts", "--config", file]),
    usageError(["shell", "--config", file]),
    usageError(["show-config", "--config", file]),
    usageError(["show-config", "--config", `${file}.missing`]),
  ]);
  const reason = `${file}, line 2, key max_workers: must be a non-negative integer, got "ten"`;
  assert.deepEqual(errors, [
    `enoki run: ${reason}`,
    `enoki shell: ${reason}`,
    `enoki show-config: ${reason}`,
    `enoki show-config: Cannot read config file ${file}.missing: no such file`,
  ]);
});

/**
 * docs/writing-extensions.md: the two worked examples, run as a user's tests would run them, with
 * nothing but the published subpaths (`enoki`, `enoki/extension`, `enoki/testing`).
 */
// #region tests
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { rpc, service } from "enoki";
import { createServices } from "enoki/testing";
import { onFileChange } from "./on-file-change.js";
import { type Store, unitOfWork } from "./unit-of-work.js";

test("@onFileChange runs the method when the file changes", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "enoki-watch-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "settings.json");
  writeFileSync(file, "{}");
  const seen: string[] = [];

  @service("settings_watcher")
  class SettingsWatcher {
    @onFileChange(file)
    reload(path: string) {
      seen.push(path);
    }
  }

  await using services = createServices([SettingsWatcher]);
  await services.start();
  writeFileSync(file, '{"level": "debug"}');
  for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(20);
  assert.deepEqual(seen.slice(0, 1), [file]);
});

test("unitOfWork applies a worker's writes only when it succeeds", async () => {
  const data = new Map<string, string>();
  const store: Store = {
    async apply(writes) {
      for (const [key, value] of writes) data.set(key, value);
    },
  };

  @service("accounts")
  class Accounts {
    work = unitOfWork(store);

    @rpc
    rename(id: string, name: string, fail: boolean) {
      this.work.set(id, name);
      if (fail) throw new Error("refused");
      return name;
    }
  }

  await using services = createServices([Accounts]);
  await services.start();
  const accounts = services.service(Accounts);
  assert.equal(await accounts.rename("a1", "Ada", false), "Ada");
  await assert.rejects(accounts.rename("a2", "Bob", true), /refused/);
  assert.deepEqual(Object.fromEntries(data), { a1: "Ada" });
});
// #endregion tests

test("the examples import only the published subpaths", async () => {
  const { readFileSync, readdirSync } = await import("node:fs");
  const here = new URL(".", import.meta.url);
  for (const name of readdirSync(here).filter((f) => f.endsWith(".ts"))) {
    const text = readFileSync(new URL(name, here), "utf8");
    for (const [, spec] of text.matchAll(/^(?:import|export)\b[^;]*?from "([^"]+)";$/gm)) {
      const ok =
        /^(node:|\.\/)/.test(spec as string) ||
        ["enoki", "enoki/extension", "enoki/testing"].includes(spec as string);
      assert.ok(ok, `${name} imports ${spec}`);
    }
  }
});

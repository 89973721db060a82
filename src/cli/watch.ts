/**
 * `enoki run --watch`: the services run in a child process, `enoki run` without `--watch`; when a
 * module they loaded or the config file changes, that process stops gracefully and a new one
 * starts with the new code.
 *
 * Why this design:
 * - A new process per generation. An ES module cannot be unloaded: importing a changed one again
 *   needs a query-string cache bust, which reloads that module but not the modules that import it,
 *   and leaves the old copies (their classes, their `registerRemoteError` entries, their timers)
 *   in the process. A fresh process loads everything afresh, and is what `enoki run` already is.
 * - Not Node's own `--watch`: it restarts the process without a graceful stop, so calls in flight
 *   would be cut off (and run again by the broker). Here the child gets SIGTERM, exactly what
 *   Ctrl+C does: running calls finish and are answered, the messages it took but had not started
 *   go back to their queue, and only then does the next generation start, so no call is lost or
 *   answered twice across a reload (test/integration/cli/watch.test.ts holds that on RabbitMQ).
 * - `node:fs.watch`, not a watcher library: the files to watch are known exactly (the child's
 *   module hooks list every module it loads, see watch-hooks.ts), so the globbing, polling and
 *   ignore rules of chokidar and the like would be a dependency for nothing. Directories are
 *   watched, not files: an editor that saves by writing a new file and renaming it over the old one
 *   replaces the inode a watch on the file would hold, and that watch would go quiet.
 * - A debounce: editors and formatters write several files, or one file several times, per save;
 *   a restart starts once nothing has changed for {@link DEBOUNCE_MS}.
 *
 * The child runs detached (a process group of its own), so a terminal's Ctrl+C reaches only this
 * process, which passes it on once: the child would otherwise get it twice (from the terminal and
 * from here) and take the second for "kill". If this process dies without passing anything on, the
 * child sees its IPC channel close and stops gracefully.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { type FSWatcher, mkdtempSync, readFileSync, rmSync, statSync, watch, writeFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { constants, tmpdir } from "node:os";
import { basename, dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Logger } from "../util/logger.js";
import { WATCH_MODULES_ENV } from "./watch-env.js";

export { WATCH_MODULES_ENV } from "./watch-env.js";

/** Quiet time after the last change before a restart, in milliseconds. */
export const DEBOUNCE_MS = 300;

const CLI_MAIN = fileURLToPath(new URL("./main.js", import.meta.url));
// Enoki's own code (this package's dist/) is not the user's to edit while developing a service.
const ENOKI_DIST = fileURLToPath(new URL("../", import.meta.url));
const LOADED_MESSAGE = "enoki-watch:loaded";
const LIST_DIR_PREFIX = "enoki-watch-";

/**
 * In the child, before anything loads: records every module loaded from now on, for the watcher,
 * and stops when the watcher has gone (killed, say), since nobody would stop these services
 * then. Stopping is SIGTERM to itself: once the services run, that is a graceful stop, as Ctrl+C;
 * before (still loading), Node's default ends the process at once, with nothing in flight.
 */
export function startWatchedChild(file: string): void {
  const orphaned = () => {
    // The watcher's list, which only a watcher that ends normally removes.
    if (basename(dirname(file)).startsWith(LIST_DIR_PREFIX))
      rmSync(dirname(file), { recursive: true, force: true });
    process.kill(process.pid, "SIGTERM");
  };
  if (process.connected) process.once("disconnect", orphaned);
  else orphaned();
  register(new URL("./watch-hooks.js", import.meta.url), { data: { file } });
}

/**
 * In the child, once the services' modules have loaded: adds the CommonJS modules (which the ESM
 * hooks do not see) to the list, and tells the watcher to read it.
 */
export function modulesLoaded(file: string): void {
  const cache = createRequire(import.meta.url).cache;
  const urls = Object.keys(cache).map((path) => pathToFileURL(path).href);
  try {
    if (urls.length > 0) writeFileSync(file, `${urls.join("\n")}\n`, { flag: "a" });
  } catch {
    // The watcher has gone and taken its list along: startWatchedChild stops this process.
  }
  if (process.connected) process.send?.({ type: LOADED_MESSAGE });
}

/** What {@link watchServices} runs and watches. */
export interface WatchOptions {
  /** The arguments of `enoki run`, without `--watch`. */
  readonly args: readonly string[];
  /** Files watched from the start: the modules given and the config file. */
  readonly files: readonly string[];
  readonly logger: Logger;
  readonly debounceMs?: number;
  readonly cwd?: string;
}

/**
 * Runs `enoki run <args>` in a child process, again after each change, until SIGINT or SIGTERM.
 * Resolves with the exit code: the last child's after a signal (0 after a graceful stop), 0 when
 * no child was running.
 */
export function watchServices(options: WatchOptions): Promise<number> {
  return new Promise((resolve) => new Watcher(options, resolve).start());
}

class Watcher {
  readonly #options: WatchOptions;
  readonly #logger: Logger;
  readonly #cwd: string;
  readonly #done: (code: number) => void;
  readonly #listDir = mkdtempSync(join(tmpdir(), LIST_DIR_PREFIX));
  readonly #listFile = join(this.#listDir, "modules");
  /** Watched files, and a watcher per directory holding one. */
  readonly #files = new Set<string>();
  readonly #directories = new Map<string, FSWatcher>();
  readonly #changed = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #child: ChildProcess | undefined;
  #startedAt = 0;
  /** Signals sent to the current child: 1 stops it gracefully, 2 kills it. */
  #childSignals = 0;
  #restarting = false;
  /** Signals this process got: from the first on, no more restarts. */
  #signals = 0;

  constructor(options: WatchOptions, done: (code: number) => void) {
    this.#options = options;
    this.#logger = options.logger;
    this.#cwd = options.cwd ?? process.cwd();
    this.#done = done;
  }

  start(): void {
    process.on("SIGINT", this.#onSignal);
    process.on("SIGTERM", this.#onSignal);
    for (const file of this.#options.files) this.#watch(file);
    this.#spawn();
  }

  #spawn(): void {
    writeFileSync(this.#listFile, "");
    this.#startedAt = Date.now();
    this.#childSignals = 0;
    // Not --inspect: the child would fight this process for the debugger's port.
    const execArgv = process.execArgv.filter((arg) => !arg.startsWith("--inspect"));
    const child = spawn(process.execPath, [...execArgv, CLI_MAIN, "run", ...this.#options.args], {
      cwd: this.#cwd,
      env: { ...process.env, [WATCH_MODULES_ENV]: this.#listFile },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      detached: true,
    });
    this.#child = child;
    child.on("message", (message: { type?: unknown }) => {
      if (message?.type === LOADED_MESSAGE) this.#readList();
    });
    child.once("exit", (code, signal) => this.#exited(child, code, signal));
  }

  #exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child) return;
    this.#child = undefined;
    this.#readList();
    const status = code ?? 128 + (signal === null ? 0 : constants.signals[signal]);
    if (this.#signals > 0) {
      this.#finish(status);
    } else if (this.#restarting) {
      this.#restarting = false;
      this.#spawn();
    } else {
      // A module that does not compile, a broken config, a crash: the child said why.
      this.#logger.warn(
        { code: status },
        `the services exited (code ${status}); restarting on the next change (Ctrl+C to stop watching)`,
      );
    }
  }

  /** Adds the modules the child has loaded so far to the watched files. */
  #readList(): void {
    let text: string;
    try {
      text = readFileSync(this.#listFile, "utf8");
    } catch {
      return;
    }
    for (const line of text.split("\n")) {
      const file = filePath(line);
      if (file === undefined) continue;
      if (this.#files.has(file) || file.includes(`${sep}node_modules${sep}`) || file.startsWith(ENOKI_DIST)) {
        continue;
      }
      this.#watch(file);
      // Changed after this generation started, before it was watched: that change counts.
      if (modifiedSince(file, this.#startedAt)) this.#schedule(file);
    }
  }

  #watch(file: string): void {
    this.#files.add(file);
    const directory = dirname(file);
    if (this.#directories.has(directory)) return;
    try {
      const watcher = watch(directory, (_event, name) => {
        const changed = name === null ? undefined : join(directory, name.toString());
        if (changed === undefined) this.#schedule(directory);
        else if (this.#files.has(changed)) this.#schedule(changed);
      });
      watcher.on("error", (err) => {
        this.#logger.warn({ err: err.message }, `stopped watching ${this.#shown(directory)}: ${err.message}`);
        watcher.close();
      });
      this.#directories.set(directory, watcher);
    } catch (err) {
      this.#logger.warn({ err: (err as Error).message }, `cannot watch ${this.#shown(directory)}`);
    }
  }

  #schedule(file: string): void {
    if (this.#signals > 0) return;
    this.#changed.add(file);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#restart(), this.#options.debounceMs ?? DEBOUNCE_MS);
  }

  #restart(): void {
    const changed = [...this.#changed].map((file) => this.#shown(file));
    this.#changed.clear();
    this.#logger.info({ changed }, `${changed.join(", ")} changed: restarting the services`);
    if (this.#child === undefined) {
      this.#spawn();
    } else if (!this.#restarting) {
      // As Ctrl+C: running calls finish, the rest go back to the queue; #exited starts the next.
      this.#restarting = true;
      this.#signalChild("SIGTERM", 1);
    }
  }

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.#signals += 1;
    clearTimeout(this.#timer);
    for (const watcher of this.#directories.values()) watcher.close();
    this.#directories.clear();
    if (this.#child === undefined) {
      this.#finish(this.#signals === 1 ? 0 : 128 + constants.signals[signal]);
      return;
    }
    // Once: a graceful stop (unless a restart already asked for one); twice: kill.
    this.#signalChild(signal, this.#signals);
  };

  /** Sends `signal` until the child has had `count` of them. */
  #signalChild(signal: NodeJS.Signals, count: number): void {
    while (this.#child !== undefined && this.#childSignals < count) {
      this.#childSignals += 1;
      this.#child.kill(signal);
    }
  }

  #finish(code: number): void {
    process.off("SIGINT", this.#onSignal);
    process.off("SIGTERM", this.#onSignal);
    rmSync(this.#listDir, { recursive: true, force: true });
    this.#done(code);
  }

  #shown(path: string): string {
    return relative(this.#cwd, path) || path;
  }
}

/** The path of a `file:` URL, or undefined for anything else. */
function filePath(url: string): string | undefined {
  try {
    return url.startsWith("file:") ? fileURLToPath(url) : undefined;
  } catch {
    return undefined;
  }
}

function modifiedSince(file: string, since: number): boolean {
  try {
    return statSync(file).mtimeMs > since;
  } catch {
    return false;
  }
}

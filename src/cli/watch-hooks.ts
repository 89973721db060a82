/**
 * Module hooks for `enoki run --watch`, registered (`module.register`) in the process that runs
 * the services, before they load: every module file loaded is appended to the file the watcher
 * named, at once and synchronously, so the list is whole even when a module then fails to compile
 * and the process exits straight away (a message to the main thread could be lost then).
 */
import { appendFileSync } from "node:fs";
import type { InitializeHook, LoadHook } from "node:module";

let listFile: string | undefined;
const recorded = new Set<string>();

/** Receives the file to append to. */
export const initialize: InitializeHook<{ file: string }> = (data) => {
  listFile = data.file;
};

/** Records `file:` modules (once each), then loads them as the next hook would. */
export const load: LoadHook = (url, context, nextLoad) => {
  if (listFile !== undefined && url.startsWith("file:") && !recorded.has(url)) {
    recorded.add(url);
    try {
      appendFileSync(listFile, `${url}\n`);
    } catch {
      // The watcher has gone, and its list with it: loading goes on (and the process stops).
    }
  }
  return nextLoad(url, context);
};

/**
 * docs/writing-extensions.md, "An entrypoint": `@onFileChange(path)`, written the way `@timer`
 * is, from the published subpaths only.
 */
// #region entrypoint
import { type FSWatcher, watch } from "node:fs";
import { ConfigurationError } from "enoki";
import { type AnyMethodContext, addEntrypoint, type Entrypoint, type ExtensionHost } from "enoki/extension";

/** Runs the method with the file's path whenever the file changes. */
export function onFileChange(path: string) {
  if (typeof path !== "string" || path === "") {
    throw new ConfigurationError(`@onFileChange needs a file path, got ${JSON.stringify(path)}`);
  }
  // The decorator only records a spec: the entrypoint is built per container, when one is made.
  return (method: (path: string) => unknown, context: AnyMethodContext) =>
    addEntrypoint("onFileChange", method, context, (host, signature) => {
      return new FileChangeEntrypoint(host, signature.method, path);
    });
}

class FileChangeEntrypoint implements Entrypoint {
  readonly kind = "file_change";
  readonly name: string;
  readonly expected = [];
  #watcher: FSWatcher | undefined;
  #running = false;
  #again = false;

  constructor(
    private readonly host: ExtensionHost,
    readonly method: string,
    private readonly path: string,
  ) {
    this.name = `onFileChange ${host.serviceName}.${method} (${path})`;
  }

  // Watch from start, not setup: no work may begin before every extension is set up.
  async start(): Promise<void> {
    this.#watcher = watch(this.path, () => this.#changed());
  }

  // Stop taking work; a run in progress finishes in the container's drain.
  async stop(): Promise<void> {
    this.#watcher?.close();
  }

  async kill(): Promise<void> {
    this.#watcher?.close();
  }

  // Editors write a file in several steps: changes during a run make one more run, not many.
  #changed(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.host.spawnWorker(this, [this.path], {}).then((run) => {
      this.#running = false;
      // A run that never started (the service is stopping) or was killed is not repeated.
      if (this.#again && run.status === "finished") {
        this.#again = false;
        this.#changed();
      }
    });
  }
}
// #endregion entrypoint

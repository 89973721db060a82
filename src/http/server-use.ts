/**
 * How a container uses the process's shared HTTP server: one `HttpServerUse` per container, which
 * opens the server when the container starts and releases it when it stops, so the server
 * listens while any container needs it.
 */
import type { Extension } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import { formatListenAddress } from "../core/listen-address.js";
import { httpSettings } from "./http-settings.js";
import { HttpServer } from "./server.js";

/** The per-container handle on the shared server: opens it on start, releases it on stop. */
class HttpServerUse implements Extension {
  readonly name: string;
  readonly #server: HttpServer;
  #state: "idle" | "opening" | "open" | "released" = "idle";

  constructor(server: HttpServer, where: string) {
    this.name = `http server ${where}`;
    this.#server = server;
  }

  async start(): Promise<void> {
    this.#state = "opening";
    await this.#server.open();
    // Stopped or killed while the server was starting to listen: give it back now.
    const state: string = this.#state;
    if (state === "released") await this.#server.close(false);
    else this.#state = "open";
  }

  async stop(): Promise<void> {
    await this.#release(true);
  }

  async kill(): Promise<void> {
    await this.#release(false);
  }

  async #release(graceful: boolean): Promise<void> {
    const state = this.#state;
    this.#state = "released";
    if (state === "open") await this.#server.close(graceful);
  }
}

/**
 * The HTTP server for a container's `WEB_SERVER_ADDRESS`: one per runner and address, shared by
 * all its containers, each of which keeps it open while it runs.
 */
export function httpServerFor(container: ExtensionHost): HttpServer {
  const settings = httpSettings(container.config);
  const where = formatListenAddress(settings.address);
  const key = `http-server:${where}`;
  const server = container.runnerShared(key, () => new HttpServer(settings, container.logger));
  container.shared(key, () => new HttpServerUse(server, where));
  return server;
}

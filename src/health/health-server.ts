/**
 * Health endpoints for probes (Kubernetes, load balancers), on their own port so they answer even
 * when the services' HTTP server is busy or absent:
 *
 * - `GET /health/live`: 200 while the process runs;
 * - `GET /health/ready`: 200 while the broker connection is up with every consumer resumed and
 *   every service running, else 503. Not ready while starting, reconnecting and stopping.
 *
 * Off unless `HEALTH_ADDRESS` is set (`[host:]port`, such as `0.0.0.0:9000`): a port is opened
 * only when asked for, so several processes on one machine do not collide.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Config } from "../core/config.js";
import type { ContainerState } from "../core/container.js";
import { formatListenAddress, type ListenAddress, parseListenAddress } from "../core/listen-address.js";
import type { TransportStatus } from "../transport/transport.js";
import { ConfigurationError } from "../util/enoki-error.js";
import type { Logger } from "../util/logger.js";

/** What readiness is decided on. */
export interface HealthState {
  /** The broker connection's state; `undefined` before the runner has one. */
  readonly transport: TransportStatus | undefined;
  /** Each service's container state, by service name. */
  readonly services: Readonly<Record<string, ContainerState>>;
}

/** Ready: connected (consumers resumed) and every service running. */
export function isReady(state: HealthState): boolean {
  const states = Object.values(state.services);
  return state.transport === "connected" && states.length > 0 && states.every((s) => s === "running");
}

/** Config key of the health server's address. Unset by default: no health server. */
export const HEALTH_ADDRESS_KEY = "HEALTH_ADDRESS";

/** Serves `/health/live` and `/health/ready`. */
export class HealthServer {
  readonly #server: Server;
  readonly #configured: ListenAddress;
  readonly #state: () => HealthState;
  readonly #logger: Logger;
  readonly #metrics: MetricsScrape | undefined;
  #closed: Promise<void> | undefined;

  constructor(address: ListenAddress, state: () => HealthState, logger: Logger, metrics?: MetricsScrape) {
    this.#configured = address;
    this.#state = state;
    this.#logger = logger;
    this.#metrics = metrics;
    // Probes send tiny requests: anything slow or large is not a probe.
    this.#server = createServer({
      maxHeaderSize: 8 * 1024,
      headersTimeout: 5_000,
      requestTimeout: 5_000,
      connectionsCheckingInterval: 1_000,
    });
    this.#server.maxHeadersCount = 50;
    this.#server.on("request", (req, res) => this.#answer(req, res));
  }

  /** Where it listens (with the real port when configured with port 0). */
  get address(): ListenAddress | undefined {
    const info = this.#server.address();
    return info === null || typeof info === "string" ? undefined : { host: info.address, port: info.port };
  }

  /** Starts listening. @throws ConfigurationError if the address cannot be bound. */
  async listen(): Promise<void> {
    const { host, port } = this.#configured;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(
          new ConfigurationError(
            `Cannot listen for health checks on ${formatListenAddress(this.#configured)} ` +
              `(${HEALTH_ADDRESS_KEY}): ${err.message}`,
            { cause: err },
          ),
        );
      this.#server.once("error", onError);
      this.#server.listen(port, host, () => {
        this.#server.off("error", onError);
        this.#server.on("error", (err) => this.#logger.error({ err }, "health server error"));
        resolve();
      });
    });
    const where = formatListenAddress(this.address ?? this.#configured);
    this.#logger.info(`health checks on http://${where}/health/live and /health/ready`);
  }

  /** Stops listening and closes its connections. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    return this.#closed;
  }

  #answer(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    // A probe has no body; do not read one.
    if (req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined) {
      res.setHeader("connection", "close");
    }
    const metrics = path === "/metrics" ? this.#metrics : undefined;
    if (path !== "/health/live" && path !== "/health/ready" && metrics === undefined) {
      send(res, 404, { error: "NotFound", message: "Health checks are at /health/live and /health/ready" });
    } else if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      send(res, 405, { error: "MethodNotAllowed", message: "Use GET" });
    } else if (metrics !== undefined) {
      void this.#scrape(res, metrics);
    } else if (path === "/health/live") {
      send(res, 200, { status: "live" });
    } else {
      const state = this.#state();
      const ready = isReady(state);
      send(res, ready ? 200 : 503, { status: ready ? "ready" : "unavailable", ...state });
    }
  }

  async #scrape(res: ServerResponse, metrics: MetricsScrape): Promise<void> {
    try {
      const { contentType, body } = await metrics();
      const bytes = Buffer.from(body);
      res.writeHead(200, {
        "content-type": contentType,
        "content-length": bytes.length,
        "cache-control": "no-store",
      });
      res.end(bytes);
    } catch (err) {
      this.#logger.error({ err }, "could not collect the metrics");
      send(res, 500, { error: "InternalServerError", message: "The metrics could not be collected" });
    }
  }
}

/** What `/metrics` answers: the text of a scrape and its content type. */
export type MetricsScrape = () => Promise<{ contentType: string; body: string }>;

function send(res: ServerResponse, status: number, body: object): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": bytes.length,
    "cache-control": "no-store",
  });
  res.end(bytes);
}

/** Whether the config asks for a health server: `HEALTH_ADDRESS` set and not empty. */
export function healthServerWanted(config: Config): boolean {
  const value = config[HEALTH_ADDRESS_KEY];
  return value !== undefined && value !== null && value !== "";
}

/**
 * Starts a health server if the config has `HEALTH_ADDRESS`; returns `undefined` otherwise.
 * @example
 * const health = await startHealthServer({ HEALTH_ADDRESS: "0.0.0.0:9000" }, () => state, logger);
 */
export async function startHealthServer(
  config: Config,
  state: () => HealthState,
  logger: Logger,
  metrics?: MetricsScrape,
): Promise<HealthServer | undefined> {
  if (!healthServerWanted(config)) return undefined;
  const address = parseListenAddress(config[HEALTH_ADDRESS_KEY], HEALTH_ADDRESS_KEY);
  const server = new HealthServer(address, state, logger, metrics);
  await server.listen();
  return server;
}

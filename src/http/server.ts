/**
 * The one HTTP server of a process (per listen address), shared by the `@http` entrypoints of
 * every service the runner runs.
 *
 * It answers what no handler should have to: unknown routes (404), wrong methods (405 with
 * `Allow`), a missing trailing slash (308, as werkzeug redirects), oversize bodies (413), slow
 * clients (408), too many or too large headers (431) and malformed requests (400), always with a
 * JSON body, and keeps serving. It listens when the first container using it starts and closes
 * when the last one stops: idle keep-alive connections are closed at once, requests in flight
 * finish (their workers were drained by the containers before), and the rest are cut after
 * {@link SHUTDOWN_GRACE_MS}.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type Router from "find-my-way";
import { formatListenAddress, type ListenAddress } from "../core/listen-address.js";
import { ConfigurationError } from "../util/enoki-error.js";
import type { Logger } from "../util/logger.js";
import { settleWithin } from "../util/within.js";
import { clientErrorAnswer, rawResponse } from "./client-errors.js";
import { HttpError } from "./http-error.js";
import type { HttpSettings } from "./http-settings.js";
import { declaredLength, hasBody, readBody } from "./read-body.js";
import { HttpRequest } from "./request.js";
import { errorResponse, type ResponseData, writeResponse } from "./response.js";
import type { CompiledRule, RouteParams } from "./rule.js";

/** How long a stopping server waits for responses in flight before cutting connections. */
export const SHUTDOWN_GRACE_MS = 5_000;

/** Sends the one response of a request. @internal */
export interface Reply {
  /** Writes the response unless one was sent already; `close` ends the connection after it. */
  send(data: ResponseData, close?: boolean): boolean;
  /** Whether a response was sent (or the connection is gone). */
  readonly done: boolean;
}

/** A route served by the server. @internal */
export interface HttpRoute {
  /** Upper-case methods. `HEAD` is added for `GET` unless another route claims it. */
  readonly methods: readonly string[];
  readonly rule: CompiledRule;
  /** Who serves it, for messages: `gateway.getAirport`. */
  readonly label: string;
  /** Handles a matched request whose body has been read. */
  handle(request: HttpRequest, reply: Reply): void;
}

type Match =
  | { kind: "found"; route: HttpRoute; params: RouteParams }
  | { kind: "method-not-allowed"; allow: string[] }
  | { kind: "redirect"; location: string }
  | { kind: "not-found" };

/**
 * find-my-way, required when the first HTTP server is made rather than imported with `enoki`: a
 * service without `@http` does not pay for loading it at startup (issue 16, a lighter process).
 */
let router: typeof Router | undefined;
function loadRouter(): typeof Router {
  router ??= createRequire(import.meta.url)("find-my-way") as typeof Router;
  return router;
}

/** The process's HTTP server for one address. Get it with {@link httpServerFor}. */
export class HttpServer {
  readonly settings: HttpSettings;
  readonly #logger: Logger;
  readonly #server: Server;
  readonly #router = loadRouter()({ maxParamLength: 64 * 1024, caseSensitive: true });
  /** `METHOD shape` → the route that claimed it. */
  readonly #claimed = new Map<string, HttpRoute>();
  readonly #autoHead = new Set<string>();
  readonly #methods = new Set<string>();
  readonly #inFlight = new Set<ServerResponse>();
  #onIdle: (() => void) | undefined;
  readonly #current = new WeakMap<Duplex, ServerResponse>();
  #users = 0;
  #listening: Promise<void> | undefined;
  #where: string;
  #stopping = false;

  constructor(settings: HttpSettings, logger: Logger) {
    this.settings = settings;
    this.#logger = logger;
    this.#where = formatListenAddress(settings.address);
    this.#server = createServer({
      maxHeaderSize: settings.maxHeaderBytes,
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      // Timeouts are enforced when connections are checked (every 30 s by default).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(settings.headersTimeoutMs / 4))),
      noDelay: true,
      // Checked below, so that the answer is JSON like every other.
      requireHostHeader: false,
    });
    // One more than allowed, so that "too many" can be told from "exactly the limit": node:http
    // would otherwise drop the extra headers silently.
    this.#server.maxHeadersCount = settings.maxHeaders + 1;
    this.#server.on("request", (req, res) => this.#onRequest(req, res));
    this.#server.on("checkContinue", (req, res) => this.#onCheckContinue(req, res));
    this.#server.on("clientError", (err, socket) => this.#onClientError(err, socket));
  }

  /** Where it listens, once it does (with the real port when configured with port 0). */
  get address(): ListenAddress | undefined {
    const info = this.#server.address();
    return info === null || typeof info === "string" ? undefined : { host: info.address, port: info.port };
  }

  /** Adds a route. @throws ConfigurationError when another route has the same method and rule. */
  addRoute(route: HttpRoute): void {
    const { pattern, shape } = route.rule;
    for (const method of route.methods) {
      const key = `${method} ${shape}`;
      const other = this.#claimed.get(key);
      if (other !== undefined && !this.#autoHead.has(key)) throw conflict(method, route, other);
      if (this.#autoHead.delete(key)) this.#router.off("HEAD", other?.rule.pattern ?? pattern);
      this.#on(method, route, key);
    }
    const head = `HEAD ${shape}`;
    if (route.methods.includes("GET") && !this.#claimed.has(head)) {
      this.#on("HEAD", route, head);
      this.#autoHead.add(head);
    }
  }

  /** Starts listening if no one else has; every `open` needs a matching `close`. */
  async open(): Promise<void> {
    this.#users++;
    this.#listening ??= this.#listen();
    try {
      await this.#listening;
    } catch (err) {
      this.#users--;
      this.#listening = undefined;
      throw err;
    }
  }

  /**
   * Releases one `open`. The last one closes the server: gracefully (responses in flight may
   * finish for a while), or at once when `graceful` is false.
   */
  async close(graceful = true): Promise<void> {
    if (this.#users === 0) return;
    this.#users--;
    if (this.#users > 0) return;
    this.#listening = undefined;
    this.#stopping = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    if (graceful) await this.#settle(SHUTDOWN_GRACE_MS);
    this.#server.closeAllConnections();
    await closed;
    this.#stopping = false;
    this.#logger.info(`HTTP server on ${this.#where} closed`);
  }

  #on(method: string, route: HttpRoute, key: string): void {
    try {
      this.#router.on(method as Router.HTTPMethod, route.rule.pattern, () => undefined, route);
    } catch (err) {
      throw new ConfigurationError(`Cannot serve ${method} ${route.rule.rule} of ${route.label}: ${err}`, {
        cause: err,
      });
    }
    this.#claimed.set(key, route);
    this.#methods.add(method);
  }

  #listen(): Promise<void> {
    const { host, port } = this.settings.address;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        reject(
          new ConfigurationError(
            `Cannot listen for HTTP on ${formatListenAddress(this.settings.address)} ` +
              `(WEB_SERVER_ADDRESS): ${err.message}`,
            { cause: err },
          ),
        );
      };
      this.#server.once("error", onError);
      this.#server.listen(port, host, () => {
        this.#server.off("error", onError);
        this.#server.on("error", (err) => this.#logger.error({ err }, "HTTP server error"));
        this.#where = formatListenAddress(this.address ?? this.settings.address);
        this.#logger.info(`HTTP server listening on ${this.#where}`);
        resolve();
      });
    });
  }

  /** Waits until no response is in flight, for at most `ms`. */
  /** Waits until no request is in flight, or `ms` has passed. */
  async #settle(ms: number): Promise<void> {
    if (this.#inFlight.size === 0) return;
    await settleWithin(new Promise<void>((resolve) => (this.#onIdle = resolve)), ms);
    this.#onIdle = undefined;
  }

  // --- requests -----------------------------------------------------------------------------------

  #onCheckContinue(req: IncomingMessage, res: ServerResponse): void {
    // Refuse an announced oversize body before the client sends it.
    if (declaredLength(req) > this.settings.maxBodyBytes) {
      this.#track(req, res);
      this.#tooLarge(req, res);
      return;
    }
    res.writeContinue();
    this.#onRequest(req, res);
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.#track(req, res);
    const method = req.method ?? "GET";
    const refusal = this.#refuseHeaders(req);
    if (refusal !== undefined) {
      writeResponse(res, refusal, true);
      return;
    }
    const target = requestTarget(req.url ?? "/");
    if (target === undefined) {
      this.#reject(req, res, errorResponse(400, "The request URL is not valid"));
      return;
    }
    const match = this.#match(method, target.path);
    if (match.kind !== "found") {
      this.#reject(req, res, noRouteResponse(match, target.query));
      return;
    }
    this.#readThenHandle(req, res, match.route, match.params, method);
  }

  /** Headers not worth reading further: the connection is closed after the answer. */
  #refuseHeaders(req: IncomingMessage): ResponseData | undefined {
    const max = this.settings.maxHeaders;
    if (req.rawHeaders.length / 2 > max)
      return errorResponse(431, `A request may have at most ${max} headers`);
    if (req.httpVersion === "1.1" && req.headers.host === undefined) {
      return errorResponse(400, "An HTTP/1.1 request needs a Host header");
    }
    return undefined;
  }

  #track(req: IncomingMessage, res: ServerResponse): void {
    this.#inFlight.add(res);
    this.#current.set(req.socket, res);
    res.once("close", () => {
      this.#inFlight.delete(res);
      if (this.#inFlight.size === 0) this.#onIdle?.();
      if (this.#current.get(req.socket) === res) this.#current.delete(req.socket);
    });
  }

  #match(method: string, path: string): Match {
    const found = this.#find(method, path);
    if (found !== undefined) return { kind: "found", ...found };
    const allow = [...this.#methods].filter((m) => m !== method && this.#find(m, path) !== undefined);
    if (allow.length > 0) return { kind: "method-not-allowed", allow: allow.sort() };
    // werkzeug redirects `/branch` to `/branch/` when only the latter is a rule.
    if (!path.endsWith("/") && this.#find(method, `${path}/`) !== undefined) {
      return { kind: "redirect", location: `${path}/` };
    }
    return { kind: "not-found" };
  }

  #find(method: string, path: string): { route: HttpRoute; params: RouteParams } | undefined {
    const found = this.#router.find(method as Router.HTTPMethod, path);
    if (found === null) return undefined;
    const route = found.store as HttpRoute;
    const params = route.rule.convert(found.params);
    return params === undefined ? undefined : { route, params };
  }

  #readThenHandle(
    req: IncomingMessage,
    res: ServerResponse,
    route: HttpRoute,
    params: RouteParams,
    method: string,
  ): void {
    if (declaredLength(req) > this.settings.maxBodyBytes) {
      this.#tooLarge(req, res);
      return;
    }
    readBody(req, this.settings.maxBodyBytes).then(
      (body) => {
        const request = new HttpRequest({
          method,
          url: req.url ?? "/",
          headers: req.headers,
          body,
          params,
          remoteAddress: req.socket.remoteAddress,
        });
        route.handle(request, this.#reply(res));
      },
      (err: unknown) => {
        if (err instanceof HttpError) this.#tooLarge(req, res);
        // Otherwise the client went away mid-body: there is no one to answer.
      },
    );
  }

  #reply(res: ServerResponse): Reply {
    return {
      send: (data, close = false) => writeResponse(res, data, close || this.#stopping),
      get done() {
        return res.headersSent || res.writableEnded || res.destroyed;
      },
    };
  }

  #tooLarge(req: IncomingMessage, res: ServerResponse): void {
    const limit = this.settings.maxBodyBytes;
    this.#logger.info({ url: req.url, limit }, "refused an oversize HTTP request body");
    this.#reject(req, res, errorResponse(413, `The request body is larger than the limit of ${limit} bytes`));
  }

  /** Answers without reading the body; the connection closes if a body may still be coming. */
  #reject(req: IncomingMessage, res: ServerResponse, data: ResponseData): void {
    const bodyPending = !req.complete && hasBody(req);
    writeResponse(res, data, bodyPending || this.#stopping);
  }

  #onClientError(err: Error & { code?: string }, socket: Duplex): void {
    const answer = clientErrorAnswer(err.code);
    const res = this.#current.get(socket);
    if (answer === undefined || !socket.writable || res?.headersSent === true) {
      socket.destroy();
      return;
    }
    const [status, message] = answer;
    this.#logger.info(
      { code: err.code, status, remoteAddress: (socket as Socket).remoteAddress },
      `bad HTTP request: ${message}`,
    );
    socket.end(rawResponse(status, message));
    // A client that neither reads nor closes must not keep the socket.
    setTimeout(() => socket.destroy(), 1_000).unref();
  }
}

// --- helpers ----------------------------------------------------------------------------------------

function conflict(method: string, route: HttpRoute, other: HttpRoute): ConfigurationError {
  // find-my-way compares rules with their variables' patterns left out, so `/x/<int:a>` and
  // `/x/<uuid:b>` collide although werkzeug would serve both.
  const unnamed = (r: HttpRoute) => r.rule.pattern.replace(/:\w+/g, ":");
  const why =
    unnamed(other) === unnamed(route)
      ? ""
      : ": two variables with patterns (int, float, uuid, any, string with a length) cannot share " +
        "a place in the URL; use one rule and tell the values apart in the handler";
  return new ConfigurationError(
    `Route ${method} ${route.rule.rule} of ${route.label} is already served by ${other.label} ` +
      `(${other.rule.rule})${why}`,
  );
}

function requestTarget(url: string): { path: string; query: string } | undefined {
  let target = url;
  if (!target.startsWith("/")) {
    // Absolute form (`GET http://host/path`), which proxies may send.
    try {
      const parsed = new URL(target);
      target = `${parsed.pathname}${parsed.search}`;
    } catch {
      return undefined;
    }
  }
  const q = target.indexOf("?");
  const path = q === -1 ? target : target.slice(0, q);
  try {
    decodeURIComponent(path);
  } catch {
    return undefined; // bad percent-encoding or invalid UTF-8
  }
  return { path, query: q === -1 ? "" : target.slice(q) };
}

function noRouteResponse(match: Exclude<Match, { kind: "found" }>, query: string): ResponseData {
  switch (match.kind) {
    case "method-not-allowed":
      return errorResponse(405, "The method is not allowed for the requested URL", undefined, {
        allow: match.allow.join(", "),
      });
    case "redirect":
      return errorResponse(308, `The URL has moved to ${match.location}`, "PermanentRedirect", {
        location: `${match.location}${query}`,
      });
    case "not-found":
      return errorResponse(404, "The requested URL was not found on the server");
  }
}

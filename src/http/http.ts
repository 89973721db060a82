/**
 * The `@http` entrypoint: serve a method on the process's HTTP server.
 */
import { METHODS } from "node:http";
import type { Entrypoint, WorkerOutcome } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import { type AnyMethodContext, addEntrypoint } from "../core/service.js";
import { type Parameter, parseParameters } from "../core/signature.js";
import type { WorkerContext } from "../core/worker-context.js";
import { recordHttpExchange } from "../tracing/http-span.js";
import { traceResponseHeader } from "../tracing/span-ids.js";
import { traceDataFromHttp } from "../tracing/trace-carrier.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { BadRequest } from "../wire/remote-errors.js";
import { HttpError } from "./http-error.js";
import type { HttpRequest } from "./request.js";
import type { HttpResponse } from "./response.js";
import { errorResponse, type ResponseData, responseFromError, responseFromResult } from "./response.js";
import { type CompiledRule, parseRule, type RouteParams } from "./rule.js";
import type { HttpServer, Reply } from "./server.js";
import { httpServerFor } from "./server-use.js";

/** Options of `@http`. */
export interface HttpOptions {
  /**
   * Error classes that are the client's fault (Nameko's `expected_exceptions`): answered with
   * 400 and `{"error": <class name>, "message": <message>}`, and logged as warnings.
   * `BadRequest` subclasses get 400 anyway; throw {@link HttpError} for another status.
   */
  expectedErrors?: readonly Function[];
}

/**
 * Serves a method over HTTP, on the server at `WEB_SERVER_ADDRESS` (default `0.0.0.0:8000`)
 * that all services of the process share.
 *
 * The handler gets the {@link HttpRequest}, then the rule's variables. When every variable names
 * one of the method's parameters, they are passed by name, as werkzeug passes keyword arguments;
 * when none does, in rule order. Naming only some is a mistake, reported at once.
 *
 * Each request runs as a worker (counting against `max_workers`) with empty context data, as in
 * Nameko. A handler returns a string (200 text/plain), `[status, body]`, `[status, headers,
 * body]`, an {@link HttpResponse} or `json(value, status?)`, a plain object (200 JSON), bytes, or
 * nothing (204). It throws {@link HttpError} for a chosen status; `expectedErrors` and
 * `BadRequest` subclasses give 400, anything else 500. Error bodies are JSON:
 * `{"error": ..., "message": ...}`.
 *
 * @param methods - one method or several: `"GET"`, `"GET,POST"`, `["PUT", "PATCH"]`. `HEAD` is
 *   served automatically with `GET`.
 * @param rule - a werkzeug rule: `/airport/<string:airportId>`, `/item/<int:id>`, `/f/<path:p>`.
 * @example
 * @http("GET", "/airport/<string:airportId>", { expectedErrors: [UnknownAirport] })
 * async getAirport(request: HttpRequest, airportId: string) {
 *   return json(await this.airports.get(airportId));
 * }
 */
export function http(methods: string | readonly string[], rule: string, options: HttpOptions = {}) {
  const methodList = parseMethods(methods);
  const compiled = parseRule(rule);
  return (method: Function, context: AnyMethodContext): void => {
    const bind = argumentBinder(String(context.name), parseParameters(method), compiled.variables);
    addEntrypoint(
      "http",
      method,
      context,
      (container, signature) =>
        new HttpEntrypoint(container, signature.method, {
          methods: methodList,
          rule: compiled,
          bind,
          options,
        }),
    );
  };
}

/** What `@http` recorded about one method. @internal */
export interface HttpSpec {
  readonly methods: readonly string[];
  readonly rule: CompiledRule;
  /** Route parameters → the handler's arguments after the request. */
  readonly bind: (params: RouteParams) => unknown[];
  readonly options: HttpOptions;
}

/** One `@http` method of a running service. */
export class HttpEntrypoint implements Entrypoint {
  readonly kind = "http";
  readonly name: string;
  readonly method: string;
  /** For logging: `expectedErrors`, `BadRequest` and deliberate `HttpError`s are warnings. */
  readonly expected: readonly Function[];
  readonly methods: readonly string[];
  readonly rule: CompiledRule;
  readonly #container: ExtensionHost;
  readonly #spec: HttpSpec;
  readonly #server: HttpServer;
  readonly #pending = new Set<Reply>();
  #accepting = false;

  constructor(container: ExtensionHost, method: string, spec: HttpSpec) {
    this.method = method;
    this.methods = spec.methods;
    this.rule = spec.rule;
    this.name = `http ${spec.methods.join(",")} ${spec.rule.rule} (${container.serviceName}.${method})`;
    this.expected = [...(spec.options.expectedErrors ?? []), BadRequest, HttpError];
    this.#container = container;
    this.#spec = spec;
    this.#server = httpServerFor(container);
  }

  /** The server this entrypoint is served by (its `address` tells the port once listening). */
  get server(): HttpServer {
    return this.#server;
  }

  async setup(): Promise<void> {
    this.#server.addRoute({
      methods: this.methods,
      rule: this.rule,
      label: `${this.#container.serviceName}.${this.method}`,
      handle: (request, reply) => this.#handle(request, reply),
    });
  }

  async start(): Promise<void> {
    this.#accepting = true;
  }

  async stop(): Promise<void> {
    this.#accepting = false;
  }

  /** Answers 503 to requests whose workers are being abandoned. */
  async kill(): Promise<void> {
    this.#accepting = false;
    for (const reply of this.#pending) reply.send(unavailable("The service was killed"), true);
    this.#pending.clear();
  }

  #handle(request: HttpRequest, reply: Reply): void {
    if (!this.#accepting) {
      reply.send(unavailable("The service is not running"), true);
      return;
    }
    const args = [request, ...this.#spec.bind(request.params)];
    this.#pending.add(reply);
    this.#container
      .spawnWorker(this, args, traceDataFromHttp(request.headers), (ctx, outcome) =>
        this.#respond(request, reply, ctx, outcome),
      )
      .then(
        (run) => {
          // The container began stopping before a worker slot freed up.
          if (run.status === "not-started") reply.send(unavailable("The service is stopping"), true);
        },
        (err: unknown) => {
          this.#container.logger.error({ err, entrypoint: this.name }, "could not run an HTTP worker");
          reply.send(errorResponse(500, INTERNAL_ERROR));
        },
      )
      .finally(() => this.#pending.delete(reply));
  }

  #respond(request: HttpRequest, reply: Reply, ctx: WorkerContext, outcome: WorkerOutcome): void {
    if (reply.done) return;
    const response = this.#response(ctx, outcome);
    recordHttpExchange(ctx.span, { method: request.method, route: this.rule.rule, status: response.status });
    reply.send(withTraceResponse(ctx, response));
  }

  #response(ctx: WorkerContext, outcome: WorkerOutcome): ResponseData {
    if (!outcome.ok) return responseFromError(outcome.error, this.#spec.options.expectedErrors ?? []);
    try {
      return responseFromResult(outcome.result);
    } catch (err) {
      this.#container.logger.error(
        { err, callId: ctx.callId, entrypoint: this.name },
        "invalid result from an HTTP handler",
      );
      return errorResponse(500, INTERNAL_ERROR);
    }
  }
}

const INTERNAL_ERROR = "The server could not handle the request";

function unavailable(message: string) {
  return errorResponse(503, message);
}

const KNOWN_METHODS = new Set(METHODS);

function parseMethods(methods: string | readonly string[]): string[] {
  const list = (typeof methods === "string" ? methods.split(",") : [...methods])
    .map((m) => m.trim().toUpperCase())
    .filter((m) => m !== "");
  if (list.length === 0) throw new ConfigurationError('@http needs at least one method, such as "GET"');
  for (const m of list) {
    if (!KNOWN_METHODS.has(m))
      throw new ConfigurationError(`@http: unknown HTTP method ${JSON.stringify(m)}`);
  }
  return [...new Set(list)];
}

/**
 * How route parameters become arguments: by name when every variable names a parameter after
 * the request, else in rule order. A partial match is almost surely a typo, so it is an error.
 */
function argumentBinder(
  method: string,
  params: readonly Parameter[],
  variables: readonly string[],
): (route: RouteParams) => unknown[] {
  // `m(id)` for `/m/<int:id>` would get the request as `id`, and answer 200 with "[object Object]".
  const first = params[0];
  if (first?.name !== undefined && !first.rest && variables.includes(first.name)) {
    throw new ConfigurationError(
      `@http ${method}: its first parameter receives the request, but "${first.name}" is a variable ` +
        `of the rule: write ${method}(request, ${params.map((p) => p.name ?? "...").join(", ")})`,
    );
  }
  const after = params.slice(1);
  const positional = () => (route: RouteParams) => variables.map((v) => route[v]);
  if (after.some((p) => p.rest)) return positional();
  const names = after.map((p) => p.name);
  const named = variables.filter((v) => names.includes(v));
  if (named.length === 0) return positional();
  if (named.length < variables.length) {
    const missing = variables.filter((v) => !names.includes(v));
    throw new ConfigurationError(
      `@http ${method}: the rule's variables ${variables.join(", ")} must all be parameters of ` +
        `${method} (missing: ${missing.join(", ")}), or none of them (then they are passed in rule order)`,
    );
  }
  const length = Math.max(...variables.map((v) => names.indexOf(v))) + 1;
  return (route) => {
    const args: unknown[] = new Array(length).fill(undefined);
    for (const v of variables) args[names.indexOf(v)] = route[v];
    return args;
  };
}

/** The response with the worker's trace in a W3C `traceresponse` header. */
function withTraceResponse(ctx: WorkerContext, response: ResponseData): ResponseData {
  const ids = ctx.traceIds;
  if (ids === undefined) return response;
  return { ...response, headers: { ...response.headers, traceresponse: traceResponseHeader(ids) } };
}

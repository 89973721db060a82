/**
 * `HttpRequest`: what an `@http` handler receives. The body has been read in full (up to
 * `HTTP_MAX_BODY_BYTES`) before the handler runs, so `text()` and `json()` return at once.
 */
import type { IncomingHttpHeaders } from "node:http";
import { TextDecoder } from "node:util";
import { HttpError } from "./http-error.js";
import type { RouteParams } from "./rule.js";

/** What an {@link HttpRequest} is made of. Everything but the method and URL is optional. */
export interface HttpRequestInit {
  /** Upper-case method. Default `GET`. */
  readonly method?: string;
  /** The request target as received: path and query string. Default `/`. */
  readonly url?: string;
  /** Header names in lower case, as node:http gives them. */
  readonly headers?: IncomingHttpHeaders;
  readonly body?: Buffer | string;
  /** The converted route parameters. */
  readonly params?: RouteParams;
  readonly remoteAddress?: string | undefined;
}

/**
 * An HTTP request, as an `@http` handler sees it (werkzeug's `Request` in Nameko). Build one
 * yourself to unit-test a handler.
 *
 * @example
 * @http("POST", "/trips")
 * async create(request: HttpRequest) {
 *   const trip = request.json<{ from: string; to: string }>(); // bad JSON → 400 for the client
 *   return json(await this.trips.create(trip.from, trip.to), 201);
 * }
 */
export class HttpRequest {
  /** Upper-case method: `GET`, `POST`, ... */
  readonly method: string;
  /** The request target as received: path and query string, still percent-encoded. */
  readonly url: string;
  /** The path, percent-decoded (`/caf%C3%A9` → `/café`). */
  readonly path: string;
  /** The query string's parameters (invalid UTF-8 there becomes U+FFFD, as in werkzeug). */
  readonly query: URLSearchParams;
  /** Headers with lower-case names; repeated ones joined as node:http joins them. */
  readonly headers: IncomingHttpHeaders;
  /** The route parameters after conversion, by variable name. */
  readonly params: RouteParams;
  /** The raw body; empty when the request had none. */
  readonly body: Buffer;
  /** The client's IP address (the proxy's, behind a proxy). */
  readonly remoteAddress: string | undefined;

  constructor(init: HttpRequestInit = {}) {
    this.method = init.method ?? "GET";
    this.url = init.url ?? "/";
    const q = this.url.indexOf("?");
    const rawPath = q === -1 ? this.url : this.url.slice(0, q);
    this.path = decodePath(rawPath);
    this.query = new URLSearchParams(q === -1 ? "" : this.url.slice(q + 1));
    this.headers = init.headers ?? {};
    this.params = init.params ?? {};
    this.body = typeof init.body === "string" ? Buffer.from(init.body) : (init.body ?? Buffer.alloc(0));
    this.remoteAddress = init.remoteAddress;
  }

  /** The media type of the body, lower case, without parameters: `application/json`. */
  get contentType(): string | undefined {
    const value = this.headers["content-type"];
    return value?.split(";")[0]?.trim().toLowerCase() || undefined;
  }

  /**
   * The body as text, in the `charset` of its `Content-Type` (UTF-8 by default).
   * @throws HttpError 400 if the bytes are not valid in that charset; 415 for an unknown charset.
   */
  text(): string {
    const charset = charsetOf(this.headers["content-type"]) ?? "utf-8";
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(charset, { fatal: true });
    } catch {
      throw new HttpError(415, `Unsupported charset ${JSON.stringify(charset)}`);
    }
    try {
      return decoder.decode(this.body);
    } catch {
      throw new HttpError(400, `The request body is not valid ${decoder.encoding.toUpperCase()}`);
    }
  }

  /**
   * The body parsed as JSON, whatever the `Content-Type` says. The type argument is not checked:
   * validate what you read.
   * @throws HttpError 400 if the body is empty, not valid UTF-8, or not JSON.
   */
  json<T = unknown>(): T {
    const text = this.text();
    if (text.trim() === "") throw new HttpError(400, "The request body is empty; expected JSON");
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new HttpError(400, `The request body is not valid JSON: ${(err as Error).message}`);
    }
  }

  /**
   * The body read as an HTML form (`application/x-www-form-urlencoded`).
   * @throws HttpError 400 if the body is not valid UTF-8.
   */
  form(): URLSearchParams {
    return new URLSearchParams(this.text());
  }
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

function charsetOf(contentType: string | undefined): string | undefined {
  const match = contentType === undefined ? null : /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

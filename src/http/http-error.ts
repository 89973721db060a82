/**
 * `HttpError`: an error that carries its own HTTP status, for handlers that answer 404, 409 or
 * any other status on purpose, and for the server's own 4xx answers.
 */

/** Options of {@link HttpError}. */
export interface HttpErrorOptions extends ErrorOptions {
  /** The `error` field of the JSON body. Default: the status's name, such as `NotFound`. */
  code?: string;
  /** Extra response headers, such as `Retry-After`. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Throw it from an `@http` handler to answer with `status` and the JSON body
 * `{"error": code, "message": message}`. It is logged as a warning, not an error.
 *
 * @example
 * const airport = await this.airports.get(airportId);
 * if (airport === null) throw new HttpError(404, `No airport ${airportId}`);
 * // → 404 {"error": "NotFound", "message": "No airport XYZ"}
 */
export class HttpError extends Error {
  /** The HTTP status, 400 to 599. */
  readonly status: number;
  /** The `error` field of the body. */
  readonly code: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    super(message ?? statusName(status), options);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be an integer from 400 to 599, got ${status}`);
    }
    this.name = "HttpError";
    this.status = status;
    this.code = options.code ?? statusCode(status);
    this.headers = options.headers ?? {};
  }
}

const STATUS_CODES: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  408: "RequestTimeout",
  409: "Conflict",
  410: "Gone",
  411: "LengthRequired",
  412: "PreconditionFailed",
  413: "PayloadTooLarge",
  414: "URITooLong",
  415: "UnsupportedMediaType",
  422: "UnprocessableEntity",
  429: "TooManyRequests",
  431: "RequestHeaderFieldsTooLarge",
  500: "InternalServerError",
  501: "NotImplemented",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** The `error` code of a status: `NotFound` for 404, `Http418` for one without a common name. */
export function statusCode(status: number): string {
  return STATUS_CODES[status] ?? `Http${status}`;
}

function statusName(status: number): string {
  return (STATUS_CODES[status] ?? `HTTP ${status}`).replace(/(?<=[a-z])(?=[A-Z])/g, " ");
}

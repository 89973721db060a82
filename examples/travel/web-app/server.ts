/**
 * Calling Enoki services from a web app that is not a service (what flask_nameko does for Flask):
 * a plain node:http server that shows trips as HTML pages, getting them from trips_service and
 * airports_service over RPC.
 *
 * It connects once, at startup, with `connect()`, and every request uses that one connection:
 * calls from concurrent requests run side by side, each matched to its own reply. The clients are
 * typed from the service classes (`import type`), and the services' registered errors arrive as
 * themselves, so `NotFound` becomes a 404 page.
 *
 *     node --import tsx examples/travel/web-app/server.ts
 *
 * Environment: `AMQP_URI` (default amqp://guest:guest@localhost), `PORT` (default 3000; 0 picks a
 * free one).
 *
 *     GET  /                 a form to add an airport
 *     POST /airports         adds one (form field "name"), then shows it
 *     GET  /airports/<id>    an airport
 *     GET  /trips/<id>       a trip, with its airports' names
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Cluster, connect, RpcTimeout, UnknownService } from "enoki";
import type { AirportsService } from "../airports.js";
import { InvalidArgument, NotFound } from "../errors.js";
import type { TripsService } from "../trips.js";

/** A page: its status and HTML, or a redirect. */
interface Page {
  readonly status: number;
  readonly html: string;
  readonly location?: string;
}

/** The web app's pages, calling the services through `cluster`. */
function pages(cluster: Cluster) {
  const airports = cluster.service<AirportsService>("airports_service");
  const trips = cluster.service<TripsService>("trips_service");
  return {
    home(): Page {
      const form = `<form method="post" action="/airports">
  <label>Airport <input name="name" required></label> <button>Add</button>
</form>`;
      return { status: 200, html: layout("Travel", form) };
    },
    async addAirport(body: string): Promise<Page> {
      const name = new URLSearchParams(body).get("name") ?? "";
      const airportId = await airports.create(name);
      return { status: 303, html: "", location: `/airports/${airportId}` };
    },
    async airport(airportId: string): Promise<Page> {
      const name = await airports.get(airportId);
      return { status: 200, html: layout(name, `<p>Airport <code>${escapeHtml(airportId)}</code></p>`) };
    },
    async trip(tripId: string): Promise<Page> {
      const trip = await trips.get(tripId);
      const [from, to] = await Promise.all([airports.get(trip.from), airports.get(trip.to)]);
      return {
        status: 200,
        html: layout(`${from} to ${to}`, `<p>Trip <code>${escapeHtml(tripId)}</code></p>`),
      };
    },
  };
}

/** Routes a request to its page; errors of the services become error pages. */
async function handle(app: ReturnType<typeof pages>, req: IncomingMessage): Promise<Page> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const id = /^\/(airports|trips)\/([0-9a-zA-Z_-]+)$/.exec(path);
  try {
    if (req.method === "GET" && path === "/") return app.home();
    if (req.method === "POST" && path === "/airports") return await app.addAirport(await readBody(req));
    if (req.method === "GET" && id?.[1] === "airports") return await app.airport(id[2] as string);
    if (req.method === "GET" && id?.[1] === "trips") return await app.trip(id[2] as string);
    return errorPage(404, "No such page");
  } catch (err) {
    if (err instanceof NotFound) return errorPage(404, err.message);
    if (err instanceof InvalidArgument) return errorPage(400, err.message);
    if (err instanceof UnknownService || err instanceof RpcTimeout) {
      return errorPage(503, "The travel services are not answering; try again in a moment");
    }
    console.error(err);
    return errorPage(500, "Something went wrong");
  }
}

function send(res: ServerResponse, page: Page): void {
  const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8" };
  if (page.location !== undefined) headers.location = page.location;
  res.writeHead(page.status, headers).end(page.html);
}

const MAX_BODY_BYTES = 16 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req.setEncoding("utf8")) {
    body += chunk;
    if (body.length > MAX_BODY_BYTES) throw new InvalidArgument("The form is too large");
  }
  return body;
}

function errorPage(status: number, message: string): Page {
  return { status, html: layout(`Error ${status}`, `<p>${escapeHtml(message)}</p>`) };
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

function escapeHtml(text: string): string {
  const entities: Record<string, string> = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
  };
  return text.replace(/[&<>"']/g, (ch) => entities[ch] as string);
}

// --- main: connect, serve, and on SIGINT/SIGTERM stop serving, then disconnect ---------------------

const cluster = await connect({ uri: process.env.AMQP_URI || undefined });
const app = pages(cluster);
const server = createServer((req, res) => {
  void handle(app, req).then((page) => send(res, page));
});
server.listen(Number(process.env.PORT ?? 3000), () => {
  const { port } = server.address() as AddressInfo;
  console.log(`The travel web app is on http://localhost:${port}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close(() => void cluster.close());
    server.closeIdleConnections();
  });
}

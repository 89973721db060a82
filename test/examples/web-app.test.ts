/**
 * The web-app example (examples/travel/web-app/server.ts): a plain node:http app, not a service,
 * calling the travel services through one `connect()` client. Run as the README runs it
 * (`node --import tsx examples/travel/web-app/server.ts`), beside the travel services as a real
 * `enoki run` process, on a vhost and a Redis key prefix of this file's own.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createVhost, rabbitmqctl, uniqueName } from "../support/broker.js";
import { type CliProcess, killAllCli, startCommand } from "../support/cli.js";
import { deleteKeys, startTravel, type TravelProcess, travelEnv } from "../support/travel.js";

const prefix = uniqueName("enoki-test-webapp");
after(async () => {
  await killAllCli();
  await deleteKeys(prefix);
});
const { uri, vhost } = createVhost("enoki-test-webapp");

let web: CliProcess;
let site: string;
let services: TravelProcess | undefined;

/** The web app's own output says where it listens. */
async function waitForListening(app: CliProcess): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = /The travel web app is on http:\/\/localhost:(\d+)/.exec(app.stdout());
    if (match) return `http://127.0.0.1:${match[1]}`;
    assert.ok(app.child.exitCode === null, `the web app exited: ${app.stderr()}`);
    assert.ok(Date.now() < deadline, `the web app did not start: ${app.stderr()}`);
    await sleep(50);
  }
}

before(async () => {
  web = startCommand(process.execPath, ["--import", "tsx", "examples/travel/web-app/server.ts"], {
    env: { AMQP_URI: uri, PORT: "0" },
  });
  site = await waitForListening(web);
});

interface Page {
  readonly status: number;
  readonly html: string;
  readonly location: string | null;
}

async function page(path: string, form?: Record<string, string>): Promise<Page> {
  const response = await fetch(`${site}${path}`, {
    method: form === undefined ? "GET" : "POST",
    body: form === undefined ? undefined : new URLSearchParams(form),
    redirect: "manual",
  });
  assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
  return { status: response.status, html: await response.text(), location: response.headers.get("location") };
}

function title(html: string): string | undefined {
  return /<title>(.*)<\/title>/.exec(html)?.[1];
}

/** Adds an airport through the web app's form; returns its id. */
async function addAirport(name: string): Promise<string> {
  const added = await page("/airports", { name });
  assert.equal(added.status, 303, added.html);
  const id = /^\/airports\/([0-9a-f]{32})$/.exec(added.location ?? "")?.[1];
  assert.ok(id, `redirected to ${added.location}`);
  return id;
}

test("while the services are not running, pages say so with 503, and the app keeps serving", async () => {
  const trip = await page("/trips/0123");
  assert.equal(trip.status, 503);
  assert.match(trip.html, /not answering/);
  assert.equal((await page("/")).status, 200);
});

test("once they run: an airport added with the form, then shown", async () => {
  services = await startTravel(["gateway", "airports", "trips"], travelEnv(uri, prefix));
  const id = await addAirport("Arlanda");
  const shown = await page(`/airports/${id}`);
  assert.equal(shown.status, 200);
  assert.equal(title(shown.html), "Arlanda");
});

test("a trip page shows both airports' names, from three RPC calls, escaped", async () => {
  const from = await addAirport(`Göteborg "Landvetter" <GOT> & co`);
  const to = await addAirport("second_airport");
  assert.ok(services?.http);
  const created = await fetch(`${services.http}/trip`, {
    method: "POST",
    body: JSON.stringify({ airport_from: from, airport_to: to }),
  });
  assert.equal(created.status, 201);
  const tripId = await created.text();
  const trip = await page(`/trips/${tripId}`);
  assert.equal(trip.status, 200);
  assert.equal(title(trip.html), "Göteborg &quot;Landvetter&quot; &lt;GOT&gt; &amp; co to second_airport");
  assert.doesNotMatch(trip.html, /<GOT>/);
});

test("unknown ids and paths are 404 pages, an empty name a 400 page", async () => {
  const airport = await page("/airports/0123456789abcdef0123456789abcdef");
  assert.equal(airport.status, 404);
  assert.match(airport.html, /No airport 0123456789abcdef0123456789abcdef/);
  const trip = await page("/trips/nope");
  assert.equal(trip.status, 404);
  assert.match(trip.html, /No trip nope/);
  assert.equal((await page("/nowhere")).status, 404);
  const empty = await page("/airports", { name: "" });
  assert.equal(empty.status, 400);
  assert.match(empty.html, /airport must be a non-empty string/);
});

test("concurrent requests share the app's one connection to the broker", async () => {
  const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => addAirport(`airport_${i}`)));
  const pages = await Promise.all(ids.map((id) => page(`/airports/${id}`)));
  assert.deepEqual(
    pages.map((p) => title(p.html)),
    ids.map((_, i) => `airport_${i}`),
  );
  const standalone = rabbitmqctl("list_connections", "vhost", "client_properties")
    .split("\n")
    .filter(
      (line) => line.startsWith(`${vhost}\t`) && line.includes('{"connection_name","enoki standalone"}'),
    );
  assert.equal(standalone.length, 1, "one client connection: the web app's");
});

test("SIGTERM: the app stops serving, disconnects and exits 0", async () => {
  web.child.kill("SIGTERM");
  assert.deepEqual(await web.exited, { code: 0, signal: null });
});

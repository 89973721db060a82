/**
 * The travel app (examples/travel) as docker-compose runs it: the gateway, airports_service and
 * trips_service as three real `enoki run` processes with the example's config.yml, on a vhost and
 * a Redis key prefix of this file's own, with ports picked by the system. The article's curl
 * session over HTTP, then every bad request, each followed by proof that the gateway still
 * answers; then the `airport_created` events that let trips_service book trips without asking
 * airports_service.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { connect, silentLogger } from "../../src/index.js";
import { createVhost, uniqueName } from "../support/broker.js";
import { killAllCli } from "../support/cli.js";
import { rawRpcCaller } from "../support/raw-rpc.js";
import { deleteKeys, REDIS_URI, startTravel, type TravelProcess, travelEnv } from "../support/travel.js";

const prefix = uniqueName("enoki-test-travel");
let redis: Redis;
// Registered before createVhost's hook: the processes go before their vhost.
after(async () => {
  await killAllCli();
  redis?.disconnect();
  await deleteKeys(prefix);
});
const { uri } = createVhost("enoki-test-travel");
const env = travelEnv(uri, prefix);

let airports: TravelProcess;
let gateway: TravelProcess;
let trips: TravelProcess | undefined;
let base: string;

before(async () => {
  redis = new Redis(REDIS_URI);
  [airports, gateway] = await Promise.all([startTravel(["airports"], env), startTravel(["gateway"], env)]);
  assert.ok(gateway.http !== undefined, "the gateway serves HTTP");
  base = gateway.http;
});

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

async function request(method: string, path: string, body?: string | Uint8Array): Promise<Answer> {
  const response = await fetch(`${base}${path}`, { method, body, redirect: "manual" });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** POSTs JSON and expects 201 with the new id as text, and where to GET it. */
async function create(path: string, value: unknown): Promise<string> {
  const answer = await request("POST", path, JSON.stringify(value));
  assert.equal(answer.status, 201, answer.text);
  assert.match(answer.text, /^[0-9a-f]{32}$/);
  assert.equal(answer.headers.get("location"), `${path}/${answer.text}`);
  assert.match(answer.headers.get("content-type") ?? "", /^text\/plain/);
  return answer.text;
}

/** GETs and expects 200 with this JSON. */
async function read(path: string, expected: unknown): Promise<void> {
  const answer = await request("GET", path);
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers.get("content-type"), "application/json");
  assert.deepEqual(JSON.parse(answer.text), expected);
}

/** Expects a JSON error: the status, `error` and a message matching `message`. */
function assertError(answer: Answer, status: number, error: string, message: RegExp, what: string): void {
  assert.equal(answer.status, status, `${what}: ${answer.text}`);
  assert.equal(answer.headers.get("content-type"), "application/json", what);
  const body = JSON.parse(answer.text) as { error: unknown; message: unknown };
  assert.equal(body.error, error, what);
  assert.match(String(body.message), message, what);
}

async function tripKeys(): Promise<string[]> {
  return redis.keys(`${prefix}:trip:*`);
}

test("before trips_service runs: trips get 503 with Retry-After, airports work", async () => {
  const missing = await request("GET", "/trip/0123");
  assertError(missing, 503, "ServiceUnavailable", /trips_service/, "GET /trip");
  assert.equal(missing.headers.get("retry-after"), "5");
  const airportId = await create("/airport", { airport: "early_airport" });
  await read(`/airport/${airportId}`, { airport: "early_airport" });
  const post = await request(
    "POST",
    "/trip",
    JSON.stringify({ airport_from: airportId, airport_to: airportId }),
  );
  assertError(post, 503, "ServiceUnavailable", /trips_service/, "POST /trip");
  trips = await startTravel(["trips"], env);
});

let first: string;
let second: string;

test("the article's session: two airports, read back, a trip, read back", async () => {
  first = await create("/airport", { airport: "first_airport" });
  second = await create("/airport", { airport: "second_airport" });
  assert.notEqual(first, second);
  await read(`/airport/${first}`, { airport: "first_airport" });
  await read(`/airport/${second}`, { airport: "second_airport" });

  const trip = await create("/trip", { airport_from: first, airport_to: second });
  // Real JSON, not the article's repr of a Python dict in a string.
  await read(`/trip/${trip}`, { trip: { from: first, to: second } });

  // Stored under the configured prefix: a name, and a hash.
  assert.equal(await redis.get(`${prefix}:airport:${first}`), "first_airport");
  assert.deepEqual(await redis.hgetall(`${prefix}:trip:${trip}`), { from: first, to: second });
});

test("trips_service.create delivered twice (one reply_to and correlation id) stores one trip", async () => {
  // What RabbitMQ hands out when a request is redelivered: the same message again, here both
  // copies at once, so the second arrives while the first runs.
  const caller = await rawRpcCaller(uri);
  const correlationId = randomUUID();
  try {
    const before = (await tripKeys()).length;
    await caller.send("trips_service.create", [first, second], correlationId, 2);
    const replies = await caller.replies(2, 15_000);
    assert.equal(replies.length, 2, JSON.stringify(replies));
    assert.deepEqual(
      replies.map((r) => r.error),
      [null, null],
    );
    assert.match(String(replies[0]?.result), /^[0-9a-f]{32}$/);
    assert.equal(replies[1]?.result, replies[0]?.result, "both copies answer with the one trip");
    assert.equal((await tripKeys()).length, before + 1, "one trip stored");
    await read(`/trip/${replies[0]?.result}`, { trip: { from: first, to: second } });
  } finally {
    await caller.close();
    const records = await redis.keys(`idempotency:trips_service.create:*:${correlationId}`);
    if (records.length > 0) await redis.del(...records);
  }
});

test("names are stored as given: Unicode, quotes, markup", async () => {
  const name = `Göteborg "Landvetter" <GOT> ${"✈".repeat(3)}`;
  const id = await create("/airport", { airport: name });
  await read(`/airport/${id}`, { airport: name });
});

/** A bad request, and what the gateway answers. */
interface BadRequestCase {
  readonly what: string;
  readonly method: string;
  readonly path: () => string;
  readonly body?: () => string | Uint8Array;
  readonly status: number;
  readonly error: string;
  readonly message: RegExp;
}

const badRequests: readonly BadRequestCase[] = [
  {
    what: "invalid JSON",
    method: "POST",
    path: () => "/airport",
    body: () => '{"airport": ',
    status: 400,
    error: "BadRequest",
    message: /not valid JSON/,
  },
  {
    what: "no body",
    method: "POST",
    path: () => "/trip",
    status: 400,
    error: "BadRequest",
    message: /empty; expected JSON/,
  },
  {
    what: "a body that is not UTF-8",
    method: "POST",
    path: () => "/airport",
    body: () => new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    status: 400,
    error: "BadRequest",
    message: /not valid UTF-8/,
  },
  {
    what: "a JSON array",
    method: "POST",
    path: () => "/airport",
    body: () => '["first_airport"]',
    status: 400,
    error: "BadRequest",
    message: /Expected a JSON object with "airport"/,
  },
  {
    what: "JSON null",
    method: "POST",
    path: () => "/trip",
    body: () => "null",
    status: 400,
    error: "BadRequest",
    message: /Expected a JSON object with "airport_from" and "airport_to"/,
  },
  {
    what: "a missing field",
    method: "POST",
    path: () => "/airport",
    body: () => '{"name": "first_airport"}',
    status: 400,
    error: "BadRequest",
    message: /Missing "airport"/,
  },
  {
    what: "one of two fields missing",
    method: "POST",
    path: () => "/trip",
    body: () => JSON.stringify({ airport_from: first }),
    status: 400,
    error: "BadRequest",
    message: /Missing "airport_to"$/,
  },
  {
    what: "a number for a name",
    method: "POST",
    path: () => "/airport",
    body: () => '{"airport": 42}',
    status: 400,
    error: "BadRequest",
    message: /"airport" must be a non-empty string/,
  },
  {
    what: "an empty name",
    method: "POST",
    path: () => "/airport",
    body: () => '{"airport": "  "}',
    status: 400,
    error: "BadRequest",
    message: /"airport" must be a non-empty string/,
  },
  {
    what: "a list for an airport id",
    method: "POST",
    path: () => "/trip",
    body: () => JSON.stringify({ airport_from: [first], airport_to: second }),
    status: 400,
    error: "BadRequest",
    message: /"airport_from" must be a non-empty string/,
  },
  {
    what: "null for an airport id",
    method: "POST",
    path: () => "/trip",
    body: () => JSON.stringify({ airport_from: first, airport_to: null }),
    status: 400,
    error: "BadRequest",
    message: /"airport_to" must be a non-empty string/,
  },
  {
    what: "a trip from an unknown airport",
    method: "POST",
    path: () => "/trip",
    body: () => JSON.stringify({ airport_from: "nowhere", airport_to: second }),
    status: 400,
    error: "UnknownAirport",
    message: /^No airport nowhere$/,
  },
  {
    what: "a trip to an unknown airport",
    method: "POST",
    path: () => "/trip",
    body: () => JSON.stringify({ airport_from: first, airport_to: "0".repeat(32) }),
    status: 400,
    error: "UnknownAirport",
    message: /^No airport 0{32}$/,
  },
  {
    what: "an unknown airport id",
    method: "GET",
    path: () => "/airport/0123456789abcdef0123456789abcdef",
    status: 404,
    error: "NotFound",
    message: /^No airport 0123456789abcdef0123456789abcdef$/,
  },
  {
    what: "an unknown trip id",
    method: "GET",
    path: () => `/trip/${first}`, // an airport's id is no trip's
    status: 404,
    error: "NotFound",
    message: /^No trip [0-9a-f]{32}$/,
  },
  {
    what: "DELETE of an airport",
    method: "DELETE",
    path: () => `/airport/${first}`,
    status: 405,
    error: "MethodNotAllowed",
    message: /not allowed/,
  },
  {
    what: "GET of the airport collection",
    method: "GET",
    path: () => "/airport",
    status: 405,
    error: "MethodNotAllowed",
    message: /not allowed/,
  },
  {
    what: "PUT of a trip",
    method: "PUT",
    path: () => "/trip",
    body: () => JSON.stringify({ airport_from: first, airport_to: second }),
    status: 405,
    error: "MethodNotAllowed",
    message: /not allowed/,
  },
  {
    what: "a path that is not the API's",
    method: "GET",
    path: () => "/airports",
    status: 404,
    error: "NotFound",
    message: /./,
  },
];

test("every bad request gets a JSON error; nothing is stored; the gateway answers after each", async () => {
  const tripsBefore = await tripKeys();
  for (const c of badRequests) {
    const answer = await request(c.method, c.path(), c.body?.());
    assertError(answer, c.status, c.error, c.message, c.what);
    if (c.status === 405) assert.ok(answer.headers.get("allow"), `${c.what}: no Allow header`);
    await read(`/airport/${first}`, { airport: "first_airport" });
  }
  assert.deepEqual(await tripKeys(), tripsBefore, "a refused trip was stored");
});

test("bad requests at the same time as good ones: each gets its own answer", async () => {
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? request("POST", "/airport", JSON.stringify({ airport: `airport_${i}` }))
        : request("POST", "/trip", JSON.stringify({ airport_from: "nowhere", airport_to: second })),
    ),
  );
  answers.forEach((answer, i) => {
    assert.equal(answer.status, i % 2 === 0 ? 201 : 400, answer.text);
  });
});

const knownAirports = () => redis.smembers(`${prefix}:known-airports`);

/** Waits until trips_service knows of `airportId` (the set is only written by trips_service). */
async function waitUntilKnown(airportId: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await knownAirports()).includes(airportId)) {
    assert.ok(Date.now() < deadline, `trips_service never learnt of ${airportId}`);
    await sleep(50);
  }
}

test("a malformed airport_created event is refused and logged, not stored", async () => {
  const before = await knownAirports();
  const cluster = await connect({ uri, logger: silentLogger });
  try {
    await cluster.dispatchEvent("airports_service", "airport_created", { name: "no id" });
  } finally {
    await cluster.close();
  }
  await trips?.cli.waitForLog(/airport_created id must be a non-empty string/);
  assert.deepEqual(await knownAirports(), before);
});

test("airport_created events: trips between airports trips_service heard of are booked without airports_service", async () => {
  // Not used in any trip: only the event can tell trips_service about it.
  const third = await create("/airport", { airport: "third_airport" });
  await waitUntilKnown(third);
  airports.cli.child.kill("SIGTERM");
  assert.deepEqual(await airports.cli.exited, { code: 0, signal: null });

  const trip = await create("/trip", { airport_from: third, airport_to: first });
  await read(`/trip/${trip}`, { trip: { from: third, to: first } });
});

test("the services stop gracefully on SIGTERM, exit 0", async () => {
  assert.ok(trips !== undefined, "trips_service was started");
  const all = [gateway, trips];
  for (const { cli } of all) cli.child.kill("SIGTERM");
  for (const { cli } of all) assert.deepEqual(await cli.exited, { code: 0, signal: null });
});

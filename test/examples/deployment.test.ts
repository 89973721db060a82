/**
 * The travel example's deployment files, checked against each other and against config.yml (no
 * Docker engine or cluster runs here): the Dockerfile's stages, user and files; the compose
 * file's and the Kubernetes manifests' images, commands, environment, ports, probes and startup
 * order. Each service's effective environment (the image's ENV, then compose's `environment` or
 * the manifests' `envFrom`) is fed to config.yml exactly as `enoki run` would read it, and what
 * comes out must point at the broker, Redis and ports the files declare.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";
import { parse, parseAllDocuments } from "yaml";
import { type Config, loadConfigFile } from "../../src/index.js";
import { repoRoot, startCli } from "../support/cli.js";

const TRAVEL = "examples/travel";
const CONFIG = `${TRAVEL}/config.yml`;
const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const packageJson = JSON.parse(read("package.json")) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

// --- the Dockerfile --------------------------------------------------------------------------------

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** Instructions grouped by stage (one per FROM), continuation lines joined, comments dropped. */
function dockerfileStages(text: string): Instruction[][] {
  const logical = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [keyword = "", ...rest] = line.split(/\s+/);
    const instruction = { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    if (instruction.keyword === "FROM") stages.push([]);
    stages.at(-1)?.push(instruction);
  }
  return stages;
}

const stages = dockerfileStages(read(`${TRAVEL}/Dockerfile`));
const runStage = stages.at(-1) ?? [];
const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);
const one = (stage: Instruction[], keyword: string): string => {
  const found = all(stage, keyword);
  assert.equal(found.length, 1, `one ${keyword} in the final stage`);
  return (found[0] as Instruction).args;
};

/** The final image's environment (`ENV a=b c=d`). */
const imageEnv: Record<string, string> = Object.fromEntries(
  all(runStage, "ENV").flatMap((i) =>
    [...i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1], (m[2] as string).replace(/^"|"$/g, "")]),
  ),
);
const imageUser = one(runStage, "USER");
const entrypoint = JSON.parse(one(runStage, "ENTRYPOINT")) as string[];

test("Dockerfile: a build stage, then a run stage that copies only its results", () => {
  assert.ok(stages.length >= 2, "multi-stage");
  const buildName = /\bAS\s+(\S+)$/i.exec(stages[0]?.[0]?.args ?? "")?.[1];
  assert.ok(buildName, "the first stage is named");
  const fromBuild = all(runStage, "COPY").filter((i) => i.args.startsWith(`--from=${buildName} `));
  assert.deepEqual(
    fromBuild.map((i) => i.args.split(/\s+/)[1]).sort(),
    ["/app/build/travel", "/app/dist", "/app/node_modules", "/app/package.json"],
    "the run stage takes dist/, the compiled services, the pruned node_modules and package.json",
  );
  assert.deepEqual(all(runStage, "RUN"), [], "nothing is installed or built in the run stage");
  const build = (stages[0] ?? []).map((i) => i.args).join("\n");
  assert.match(build, /npm ci\b/);
  assert.match(build, /npm prune --omit=dev/);
});

test("Dockerfile: Node's major version is package.json's engines'", () => {
  const major = /(\d+)/.exec(packageJson.engines.node)?.[1];
  for (const stage of stages) assert.match(stage[0]?.args ?? "", new RegExp(`^node:${major}[.-]`));
});

test("Dockerfile: runs as a non-root user, by number", () => {
  assert.match(imageUser, /^[1-9]\d*(:\d+)?$/, "numeric, so Kubernetes' runAsNonRoot can check it");
});

test("Dockerfile: no wait-for-port script; enoki run with config.yml, the gateway by default", () => {
  const instructions = stages.flat().map((i) => `${i.keyword} ${i.args}`);
  for (const line of instructions) assert.doesNotMatch(line, /wait-for|wait-on|dockerize|nc -z|sleep/);
  assert.deepEqual(entrypoint, ["node", "dist/cli/main.js", "run", "--config", CONFIG]);
  assert.deepEqual(JSON.parse(one(runStage, "CMD")), [`${TRAVEL}/gateway.js`]);
});

test("Dockerfile: the image's ioredis is the version enoki is tested with", () => {
  const build = (stages[0] ?? []).map((i) => i.args).join("\n");
  const version = /dependencies\.ioredis=(\S+)/.exec(build)?.[1];
  assert.equal(version, packageJson.devDependencies.ioredis);
  assert.equal(version, packageJson.peerDependencies.ioredis);
});

/** The files a COPY source names: a file, every file of a directory, or a `*` pattern's matches. */
function filesOf(source: string): string[] {
  const path = join(repoRoot, source);
  if (source.includes("*")) {
    const pattern = globRegex(source);
    return readdirSync(join(repoRoot, dirname(source)))
      .map((name) => join(dirname(source), name))
      .filter((file) => pattern.test(file));
  }
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [source];
  return readdirSync(path, { recursive: true })
    .map((name) => join(source, String(name)))
    .filter((file) => statSync(join(repoRoot, file)).isFile());
}

function globRegex(pattern: string): RegExp {
  const body = pattern
    .split("**")
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]"),
    )
    .join(".*");
  return new RegExp(`^${body}$`);
}

/** Whether the build context keeps `file`, by the Dockerfile's own .dockerignore (last rule wins). */
function inContext(file: string): boolean {
  const rules = read(`${TRAVEL}/Dockerfile.dockerignore`)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  let kept = true;
  for (const rule of rules) {
    const negated = rule.startsWith("!");
    if (globRegex(negated ? rule.slice(1) : rule).test(file)) kept = negated;
  }
  return kept;
}

const contextCopies = stages
  .flat()
  .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from="))
  .flatMap((i) => i.args.split(/\s+/).slice(0, -1));

test("Dockerfile: every file it copies exists and is in the build context", () => {
  assert.ok(contextCopies.length > 0);
  for (const source of contextCopies) {
    const files = filesOf(source);
    assert.ok(files.length > 0, `COPY ${source}: no such file`);
    for (const file of files) assert.ok(inContext(file), `${file} is left out of the build context`);
  }
  assert.ok(!inContext("node_modules/yaml/package.json"), "node_modules is not sent to the builder");
  assert.ok(!inContext(".git/HEAD"), ".git is not sent to the builder");
});

/** The local modules a service module imports, itself included, transitively. */
function localModules(module: string, seen = new Set<string>()): Set<string> {
  if (seen.has(module)) return seen;
  seen.add(module);
  for (const match of read(module).matchAll(/^import [^;]*?from "(\.[^"]+)\.js";/gm)) {
    const imported = join(dirname(module), `${match[1]}.ts`);
    const isTypeOnly = match[0].startsWith("import type ");
    if (!isTypeOnly) localModules(imported, seen);
  }
  return seen;
}

test("Dockerfile: the services are compiled in the build stage; the image has every module they load, as JavaScript", () => {
  const buildStage = stages[0] ?? [];
  const buildCopies = buildStage
    .filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from="))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  const copied = new Set(buildCopies.flatMap(filesOf));
  for (const name of ["gateway", "airports", "trips"]) {
    for (const module of localModules(`${TRAVEL}/${name}.ts`)) {
      assert.ok(copied.has(module), `${module} (loaded by ${name}.ts) is not copied into the build stage`);
    }
  }
  assert.ok(copied.has(`${TRAVEL}/tsconfig.json`));
  const compile = all(buildStage, "RUN").find((i) => /\btsc -p examples\/travel\b/.test(i.args));
  assert.ok(compile, "the build stage compiles the services");
  const outDir = /--outDir (\S+)/.exec(compile.args)?.[1];
  const copiedOut = all(runStage, "COPY").find((i) => i.args.startsWith(`--from=build /app/${outDir} `));
  assert.equal(
    copiedOut?.args.split(/\s+/)[2],
    `./${TRAVEL}`,
    "the compiled services go where the commands name them",
  );
  assert.ok(new Set(contextCopies.flatMap(filesOf)).has(CONFIG));
  const runCopies = all(runStage, "COPY")
    .map((i) => i.args)
    .join("\n");
  assert.doesNotMatch(runCopies, /\.ts\b|tsconfig/, "no TypeScript in the image");
});

test("the services compiled as the image compiles them run under enoki run and serve the API", async (t) => {
  mkdirSync(join(repoRoot, ".scratch"), { recursive: true });
  const out = mkdtempSync(join(repoRoot, ".scratch", "travel-image-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", TRAVEL, "--outDir", out], { cwd: repoRoot, stdio: "inherit" });
  const modules = ["gateway", "airports", "trips"].map((name) => join(out, `${name}.js`));
  const env = {
    AMQP_URI: "memory://",
    REDIS_URI: "memory://",
    WEB_SERVER_ADDRESS: "127.0.0.1:0",
    HEALTH_ADDRESS: "127.0.0.1:0",
  };
  const cli = startCli(["run", ...modules, "--config", CONFIG], { env });
  t.after(async () => {
    cli.child.kill("SIGKILL");
    await cli.exited;
  });
  const line = await cli.waitForLog(/HTTP server listening on 127\.0\.0\.1:\d+/, 30_000);
  const base = `http://${/listening on (127\.0\.0\.1:\d+)/.exec(line)?.[1]}`;
  const created = await fetch(`${base}/airport`, {
    method: "POST",
    body: JSON.stringify({ airport: "compiled" }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  assert.doesNotMatch(cli.stderr(), /tsx|TypeScript/i, "nothing was compiled at startup");
});

// --- what a service module needs -----------------------------------------------------------------

interface ServiceModule {
  readonly module: string;
  /** Its `@service` name. */
  readonly name: string;
  readonly usesRedis: boolean;
  readonly servesHttp: boolean;
  /** The services it calls (`rpcProxy`). */
  readonly calls: string[];
}

/** A service module, by its path in the image (`.js`, compiled from the `.ts` beside it). */
function serviceModule(module: string): ServiceModule {
  const source = module.replace(/\.js$/, ".ts");
  assert.ok(existsSync(join(repoRoot, source)), `${source} does not exist`);
  const text = read(source);
  const name = /@service\("([^"]+)"\)/.exec(text)?.[1];
  assert.ok(name, `${module} declares a service`);
  return {
    module,
    name,
    usesRedis: /\bredis\("development"\)/.test(text),
    servesHttp: /@http\(/.test(text),
    calls: [...text.matchAll(/rpcProxy(?:<[^>]*>)?\("([^"]+)"/g)].map((m) => m[1] as string),
  };
}

async function configWith(env: Record<string, string>): Promise<Config> {
  return loadConfigFile(join(repoRoot, CONFIG), { env });
}

function portOf(address: unknown): number {
  const port = Number(/(\d+)$/.exec(String(address))?.[1]);
  assert.ok(Number.isInteger(port) && port > 0, `no port in ${String(address)}`);
  return port;
}

// --- docker-compose.yml --------------------------------------------------------------------------

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}

const compose = parse(read(`${TRAVEL}/docker-compose.yml`), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const composeTravel = Object.entries(compose.services).filter(([, s]) => s.command?.[0]?.startsWith(TRAVEL));

test("compose: RabbitMQ, Redis, gateway, airports, trips and Prometheus, each with a health check", () => {
  assert.deepEqual(Object.keys(compose.services).sort(), [
    "airports",
    "gateway",
    "prometheus",
    "rabbitmq",
    "redis",
    "trips",
  ]);
  assert.equal(composeTravel.length, 3);
  for (const [name, service] of Object.entries(compose.services)) {
    assert.ok(service.healthcheck?.test.length, `${name} has no healthcheck`);
  }
});

test("compose: the travel services are built from the Dockerfile, and run its modules", () => {
  const names = new Set<string>();
  for (const [name, service] of composeTravel) {
    assert.ok(service.build, `${name} is built`);
    const context = join(repoRoot, TRAVEL, service.build.context);
    assert.equal(relative(repoRoot, context), "", `${name}: the build context is the repository root`);
    assert.equal(service.build.dockerfile, `${TRAVEL}/Dockerfile`);
    assert.equal(service.command?.length, 1, `${name}: one module, the image's entrypoint does the rest`);
    names.add(serviceModule(service.command?.[0] as string).name);
  }
  assert.deepEqual([...names].sort(), ["airports_service", "gateway", "trips_service"]);
});

test("compose: config.yml, fed each service's environment, points at compose's RabbitMQ and Redis", async () => {
  const rabbit = compose.services.rabbitmq?.environment ?? {};
  for (const [name, service] of composeTravel) {
    const module = serviceModule(service.command?.[0] as string);
    const config = await configWith({ ...imageEnv, ...service.environment });
    const amqp = new URL(String(config.AMQP_URI));
    assert.equal(amqp.hostname, "rabbitmq", `${name}: AMQP_URI's host is the rabbitmq service`);
    assert.equal(Number(amqp.port || 5672), 5672);
    assert.equal(amqp.username, rabbit.RABBITMQ_DEFAULT_USER, `${name}: RabbitMQ's user`);
    assert.equal(amqp.password, rabbit.RABBITMQ_DEFAULT_PASS, `${name}: RabbitMQ's password`);
    if (module.usesRedis) {
      const redisUri = new URL(String((config.REDIS_URIS as Record<string, unknown>).development));
      assert.equal(redisUri.hostname, "redis", `${name}: REDIS_URI's host is the redis service`);
      assert.equal(Number(redisUri.port || 6379), 6379);
    }
  }
});

test("compose: health checks ask /health/ready on HEALTH_ADDRESS's port; the gateway publishes its port", async () => {
  for (const [name, service] of composeTravel) {
    const module = serviceModule(service.command?.[0] as string);
    const config = await configWith({ ...imageEnv, ...service.environment });
    const healthPort = portOf(config.HEALTH_ADDRESS);
    const check = service.healthcheck?.test.join(" ") ?? "";
    assert.match(check, new RegExp(`http://127\\.0\\.0\\.1:${healthPort}/health/ready\\b`), name);
    const published = (service.ports ?? []).map((p) => Number(p.split(":").at(-1)));
    assert.deepEqual(published, module.servesHttp ? [portOf(config.WEB_SERVER_ADDRESS)] : [], name);
  }
});

test("compose: Prometheus scrapes /metrics of every travel service on HEALTH_ADDRESS's port", async () => {
  const prometheus = compose.services.prometheus as ComposeService & { volumes?: string[] };
  const mount = prometheus.volumes?.find((v) => v.endsWith(":/etc/prometheus/prometheus.yml:ro"));
  assert.ok(mount, "prometheus.yml is mounted where Prometheus reads it");
  const file = join(TRAVEL, mount.split(":")[0] as string);
  const scrape = parse(read(file)) as {
    scrape_configs: { metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };
  const targets = scrape.scrape_configs.flatMap((job) => {
    assert.equal(job.metrics_path ?? "/metrics", "/metrics");
    return job.static_configs.flatMap((c) => c.targets);
  });
  const expected: string[] = [];
  for (const [name, service] of composeTravel) {
    const config = await configWith({ ...imageEnv, ...service.environment });
    expected.push(`${name}:${portOf(config.HEALTH_ADDRESS)}`);
  }
  assert.deepEqual(targets.sort(), expected.sort());
});

test("compose: each service starts once the broker, Redis and the services it calls are healthy", () => {
  const composeName = new Map(
    composeTravel.map(([name, s]) => [serviceModule(s.command?.[0] as string).name, name]),
  );
  for (const [name, service] of composeTravel) {
    const module = serviceModule(service.command?.[0] as string);
    const needed = ["rabbitmq", ...(module.usesRedis ? ["redis"] : [])];
    needed.push(...module.calls.map((called) => composeName.get(called) as string));
    assert.deepEqual(Object.keys(service.depends_on ?? {}).sort(), needed.sort(), name);
    for (const dependency of needed) {
      assert.equal(service.depends_on?.[dependency]?.condition, "service_healthy", `${name} → ${dependency}`);
    }
  }
});

// --- Kubernetes ----------------------------------------------------------------------------------

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: { allowPrivilegeEscalation?: boolean };
}

interface Probe {
  httpGet?: { path: string; port: string | number };
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: {
    selector?: Record<string, string> & { matchLabels?: Record<string, string> };
    ports?: { name: string; port: number; targetPort: string | number }[];
    template?: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Container[]; securityContext?: { runAsNonRoot?: boolean; runAsUser?: number } };
    };
  };
}

const manifests: Manifest[] = readdirSync(join(repoRoot, TRAVEL, "k8s"))
  .filter((file) => file.endsWith(".yaml"))
  .flatMap((file) =>
    parseAllDocuments(read(`${TRAVEL}/k8s/${file}`)).map((doc) => {
      assert.deepEqual(doc.errors, [], file);
      return doc.toJS() as Manifest;
    }),
  );
const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
const deployments = ofKind("Deployment");
const travelDeployments = deployments.filter((d) =>
  d.spec.template?.spec.containers[0]?.args?.[0]?.startsWith(TRAVEL),
);
const containerOf = (d: Manifest) => d.spec.template?.spec.containers[0] as Container;

/** The Deployment whose pods a Service selects. */
function selected(service: Manifest): Manifest {
  const selector = service.spec.selector ?? {};
  const found = deployments.filter((d) =>
    Object.entries(selector).every(([k, v]) => d.spec.template?.metadata.labels[k] === v),
  );
  assert.equal(found.length, 1, `Service ${service.metadata.name} selects one Deployment`);
  return found[0] as Manifest;
}

/** The container port a Service's port reaches, following a named targetPort. */
function servicePort(serviceName: string, port: number): number {
  const service = ofKind("Service").find((s) => s.metadata.name === serviceName);
  assert.ok(service, `no Service ${serviceName}`);
  const entry = service.spec.ports?.find((p) => p.port === port);
  assert.ok(entry, `Service ${serviceName} has no port ${port}`);
  return containerPort(containerOf(selected(service)), entry.targetPort);
}

function containerPort(container: Container, port: string | number): number {
  if (typeof port === "number") return port;
  const named = container.ports?.find((p) => p.name === port);
  assert.ok(named, `${container.name} has no port named ${port}`);
  return named.containerPort;
}

function k8sEnv(container: Container): Record<string, string> {
  const env: Record<string, string> = { ...imageEnv };
  for (const source of container.envFrom ?? []) {
    const map = ofKind("ConfigMap").find((m) => m.metadata.name === source.configMapRef?.name);
    assert.ok(map, `${container.name}: no ConfigMap ${source.configMapRef?.name}`);
    Object.assign(env, map.data);
  }
  for (const { name, value } of container.env ?? []) env[name] = value;
  return env;
}

test("k8s: a Deployment per service, plus RabbitMQ and Redis with their Services", () => {
  assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), [
    "airports",
    "gateway",
    "rabbitmq",
    "redis",
    "trips",
  ]);
  assert.deepEqual(
    ofKind("Service")
      .map((s) => s.metadata.name)
      .sort(),
    ["gateway", "rabbitmq", "redis"],
  );
  for (const deployment of deployments) {
    const labels = deployment.spec.template?.metadata.labels ?? {};
    for (const [key, value] of Object.entries(deployment.spec.selector?.matchLabels ?? {})) {
      assert.equal(labels[key], value, `${deployment.metadata.name}: the selector matches its pods`);
    }
  }
});

test("k8s: images, modules and the user agree with the compose file and the Dockerfile", () => {
  const composeImage = (name: string) => compose.services[name]?.image;
  for (const deployment of deployments) {
    const container = containerOf(deployment);
    assert.equal(container.image, composeImage(deployment.metadata.name), deployment.metadata.name);
  }
  for (const deployment of travelDeployments) {
    const name = deployment.metadata.name;
    assert.deepEqual(containerOf(deployment).args, compose.services[name]?.command, name);
    const security = deployment.spec.template?.spec.securityContext;
    assert.equal(security?.runAsNonRoot, true, name);
    assert.equal(String(security?.runAsUser), imageUser.split(":")[0], `${name}: the image's user`);
    assert.equal(containerOf(deployment).securityContext?.allowPrivilegeEscalation, false, name);
  }
});

test("k8s: config.yml, fed each service's environment, points at the RabbitMQ and Redis Services", async () => {
  const rabbitEnv = Object.fromEntries(
    (containerOf(deployments.find((d) => d.metadata.name === "rabbitmq") as Manifest).env ?? []).map((e) => [
      e.name,
      e.value,
    ]),
  );
  for (const deployment of travelDeployments) {
    const name = deployment.metadata.name;
    const container = containerOf(deployment);
    const module = serviceModule(container.args?.[0] as string);
    const config = await configWith(k8sEnv(container));
    const amqp = new URL(String(config.AMQP_URI));
    assert.equal(servicePort(amqp.hostname, Number(amqp.port || 5672)), 5672, `${name}: AMQP_URI`);
    assert.equal(amqp.username, rabbitEnv.RABBITMQ_DEFAULT_USER, `${name}: RabbitMQ's user`);
    assert.equal(amqp.password, rabbitEnv.RABBITMQ_DEFAULT_PASS, `${name}: RabbitMQ's password`);
    if (module.usesRedis) {
      const redisUri = new URL(String((config.REDIS_URIS as Record<string, unknown>).development));
      assert.equal(servicePort(redisUri.hostname, Number(redisUri.port || 6379)), 6379, `${name}: REDIS_URI`);
    }
  }
});

test("k8s: readiness /health/ready and liveness /health/live on HEALTH_ADDRESS's port", async () => {
  assert.equal(travelDeployments.length, 3);
  for (const deployment of travelDeployments) {
    const name = deployment.metadata.name;
    const container = containerOf(deployment);
    const healthPort = portOf((await configWith(k8sEnv(container))).HEALTH_ADDRESS);
    const ready = container.readinessProbe?.httpGet;
    const live = container.livenessProbe?.httpGet;
    assert.equal(ready?.path, "/health/ready", name);
    assert.equal(live?.path, "/health/live", name);
    assert.equal(containerPort(container, ready.port), healthPort, `${name}: readiness port`);
    assert.equal(containerPort(container, live.port), healthPort, `${name}: liveness port`);
  }
});

test("k8s: every service's pods are scraped for /metrics on HEALTH_ADDRESS's port", async () => {
  for (const deployment of travelDeployments) {
    const name = deployment.metadata.name;
    const container = containerOf(deployment);
    const healthPort = portOf((await configWith(k8sEnv(container))).HEALTH_ADDRESS);
    const metadata = deployment.spec.template?.metadata as
      | { annotations?: Record<string, string> }
      | undefined;
    const annotations = metadata?.annotations;
    assert.equal(annotations?.["prometheus.io/scrape"], "true", name);
    assert.equal(annotations?.["prometheus.io/path"], "/metrics", name);
    assert.equal(Number(annotations?.["prometheus.io/port"]), healthPort, `${name}: metrics port`);
  }
});

test("k8s: the gateway's Service reaches WEB_SERVER_ADDRESS's port; only the gateway serves HTTP", async () => {
  for (const deployment of travelDeployments) {
    const container = containerOf(deployment);
    const module = serviceModule(container.args?.[0] as string);
    const webPort = portOf((await configWith(k8sEnv(container))).WEB_SERVER_ADDRESS);
    const http = container.ports?.find((p) => p.name === "http");
    if (module.servesHttp) {
      assert.equal(http?.containerPort, webPort, deployment.metadata.name);
      assert.equal(servicePort(deployment.metadata.name, webPort), webPort);
    } else {
      assert.equal(http, undefined, `${deployment.metadata.name} serves no HTTP`);
    }
  }
});

test("the Dockerfile exposes the web and health ports the manifests use", async () => {
  const exposed = all(runStage, "EXPOSE").flatMap((i) => i.args.split(/\s+/).map(Number));
  const config = await configWith(imageEnv);
  assert.deepEqual(exposed.sort(), [portOf(config.WEB_SERVER_ADDRESS), portOf(config.HEALTH_ADDRESS)].sort());
});

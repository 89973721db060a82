/**
 * The travel example's production manifests (examples/travel/k8s/production): KEDA autoscaling
 * and the RabbitMQ Cluster Operator's cluster. KEDA's resources are validated against KEDA's
 * published schemas (@kubernetes-models/keda, generated from its CRDs); every queue a service
 * consumes, found by running the service on the in-memory broker, drives its ScaledObject, so a
 * handler added without scaling fails here. No package of the RabbitmqCluster's schema can be
 * installed here, so its fields are checked against a shape of our own that follows the
 * operator's CRD (see the note in docs/scaling.md).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication";
import { loadConfigFile, MemoryBroker, runServices, type ServiceClass, silentLogger } from "enoki";
import { parse, parseAllDocuments } from "yaml";
import { repoRoot } from "../support/cli.js";

const TRAVEL = "examples/travel";
const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  stringData?: Record<string, string>;
}

function manifestsIn(dir: string): Manifest[] {
  return readdirSync(join(repoRoot, dir))
    .filter((file) => file.endsWith(".yaml"))
    .flatMap((file) =>
      parseAllDocuments(read(`${dir}/${file}`)).map((doc) => {
        assert.deepEqual(doc.errors, [], file);
        return doc.toJS() as Manifest;
      }),
    );
}

const production = manifestsIn(`${TRAVEL}/k8s/production`);
const base = manifestsIn(`${TRAVEL}/k8s`);
const ofKind = (manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind);

interface Trigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}

/** The module a Deployment runs (`args: ["examples/travel/trips.js"]`), as its TypeScript source. */
function moduleOf(deployment: Manifest): string {
  const spec = deployment.spec as { template: { spec: { containers: { args: string[] }[] } } };
  const js = spec.template.spec.containers[0]?.args[0] as string;
  return js.replace(/\.js$/, ".ts");
}

/** The durable queues a module's services consume, found by running them on the in-memory broker. */
async function queuesOf(module: string): Promise<string[]> {
  const exports = (await import(join(repoRoot, module))) as Record<string, unknown>;
  const services = Object.values(exports).filter((v): v is ServiceClass => typeof v === "function");
  const broker = new MemoryBroker();
  const env = { AMQP_URI: "memory://", REDIS_URI: "memory://", WEB_SERVER_ADDRESS: "127.0.0.1:0" };
  const config = await loadConfigFile(join(repoRoot, TRAVEL, "config.yml"), { env });
  const runner = await runServices(services, { config, logger: silentLogger, memoryBroker: broker });
  try {
    // Reply queues belong to callers, not to the service's work.
    return broker.queueNames.filter((name) => !name.startsWith("rpc.reply-")).sort();
  } finally {
    await runner.stop();
  }
}

test("KEDA's ScaledObjects and TriggerAuthentication are valid against KEDA's schemas", () => {
  const scaled = ofKind(production, "ScaledObject");
  assert.ok(scaled.length > 0);
  for (const manifest of scaled) new ScaledObject(manifest as never).validate();
  for (const manifest of ofKind(production, "TriggerAuthentication"))
    new TriggerAuthentication(manifest as never).validate();
});

test("a schema violation is caught (the validator is not a no-op)", () => {
  const [first] = ofKind(production, "ScaledObject");
  const broken = structuredClone(first) as Manifest;
  (broken.spec as Record<string, unknown>).minReplicaCount = "two";
  assert.throws(() => new ScaledObject(broken as never).validate(), /minReplicaCount must be integer/);
});

test("every travel Deployment has a ScaledObject; each scales on every queue its services consume", async () => {
  const deployments = ofKind(base, "Deployment").filter(
    (d) => !["rabbitmq", "redis"].includes(d.metadata.name),
  );
  const scaled = new Map(
    ofKind(production, "ScaledObject").map((s) => [
      (s.spec?.scaleTargetRef as { name: string } | undefined)?.name ?? "",
      s,
    ]),
  );
  assert.deepEqual([...scaled.keys()].sort(), deployments.map((d) => d.metadata.name).sort());
  const auth = new Set(ofKind(production, "TriggerAuthentication").map((t) => t.metadata.name));
  for (const deployment of deployments) {
    const queues = await queuesOf(moduleOf(deployment));
    const triggers = (scaled.get(deployment.metadata.name)?.spec?.triggers ?? []) as Trigger[];
    const scaledOn = triggers.filter((t) => t.type === "rabbitmq").map((t) => t.metadata.queueName);
    assert.deepEqual(
      scaledOn.sort(),
      queues,
      `${deployment.metadata.name}: scaled on the queues it consumes`,
    );
    for (const trigger of triggers.filter((t) => t.type === "rabbitmq")) {
      assert.equal(trigger.metadata.mode, "QueueLength");
      assert.ok(
        trigger.authenticationRef && auth.has(trigger.authenticationRef.name),
        "its broker address is found",
      );
    }
    if (queues.length === 0)
      assert.ok(
        triggers.some((t) => t.type === "cpu"),
        "a service with no queue scales on CPU",
      );
  }
});

test("KEDA reads the broker the services use, from the Secret its TriggerAuthentication names", async () => {
  const [auth] = ofKind(production, "TriggerAuthentication");
  const ref = (
    auth?.spec?.secretTargetRef as { parameter: string; name: string; key: string }[] | undefined
  )?.[0];
  assert.equal(ref?.parameter, "host");
  const secret = ofKind(production, "Secret").find((s) => s.metadata.name === ref?.name);
  const uri = secret?.stringData?.[ref?.key ?? ""];
  assert.ok(uri, "the Secret holds the key");
  const configMap = ofKind(base, "ConfigMap").find((c) => c.metadata.name === "travel") as unknown as {
    data: Record<string, string>;
  };
  assert.equal(new URL(uri).host, new URL(configMap.data.AMQP_URI as string).host, "the same broker");
});

test("RabbitmqCluster: the operator's resource, three nodes for quorum queues, its Service where AMQP_URI points", () => {
  const [cluster, ...others] = ofKind(production, "RabbitmqCluster");
  assert.ok(cluster);
  assert.equal(others.length, 0);
  assert.equal(cluster.apiVersion, "rabbitmq.com/v1beta1");
  const spec = cluster.spec as { replicas: number; image: string; rabbitmq?: { additionalConfig?: string } };
  assert.ok(
    Number.isInteger(spec.replicas) && spec.replicas >= 3 && spec.replicas % 2 === 1,
    "an odd majority",
  );
  assert.match(spec.image, /^rabbitmq:3\.1[0-9]/, "a RabbitMQ with quorum queues");
  assert.match(spec.rabbitmq?.additionalConfig ?? "", /cluster_partition_handling = pause_minority/);
  const secret = ofKind(production, "Secret")[0];
  assert.equal(new URL(secret?.stringData?.AMQP_URI as string).hostname, cluster.metadata.name);
  assert.deepEqual(shapeErrors(cluster.spec, RABBITMQ_CLUSTER_SPEC, "spec"), []);
  assert.equal(parse(read(`${TRAVEL}/k8s/production/rabbitmq-cluster.yaml`)).kind, "RabbitmqCluster");
});

test("RabbitmqCluster check: a misspelt or mistyped field anywhere in the spec is caught", () => {
  const spec = { replicas: 3, rabbitmq: { additonalConfig: "x" }, persistence: { storage: "20 gigs" } };
  assert.deepEqual(shapeErrors(spec, RABBITMQ_CLUSTER_SPEC, "spec"), [
    "spec.rabbitmq.additonalConfig is not a field of RabbitmqCluster v1beta1",
    'spec.persistence.storage: "20 gigs" is not a Kubernetes quantity',
  ]);
  assert.deepEqual(
    shapeErrors({ replicas: "3", service: { type: "Ingress" } }, RABBITMQ_CLUSTER_SPEC, "spec"),
    [
      'spec.replicas: "3" is not an integer',
      'spec.service.type: "Ingress" is not one of ClusterIP, LoadBalancer, NodePort',
    ],
  );
});

/**
 * The part of the operator's RabbitmqCluster v1beta1 schema that a manifest like ours uses, with
 * the same names, types and enums as the operator's CRD (config/crd/bases in
 * rabbitmq/cluster-operator, compared field by field on 2026-12-04; no package of it can be
 * installed here). Kubernetes prunes unknown fields of a custom resource without a word, so a
 * misspelt field would silently do nothing: every field used must be one of these.
 */
type Shape =
  | "integer"
  | "string"
  | "quantity"
  | "quantities"
  | "strings"
  | "labels"
  | { readonly oneOf: readonly string[] }
  | { readonly [field: string]: Shape };

const RABBITMQ_CLUSTER_SPEC: Shape = {
  replicas: "integer",
  image: "string",
  terminationGracePeriodSeconds: "integer",
  delayStartSeconds: "integer",
  resources: { requests: "quantities", limits: "quantities" },
  persistence: { storageClassName: "string", storage: "quantity" },
  rabbitmq: {
    additionalConfig: "string",
    advancedConfig: "string",
    envConfig: "string",
    erlangInetConfig: "string",
    additionalPlugins: "strings",
  },
  service: {
    type: { oneOf: ["ClusterIP", "LoadBalancer", "NodePort"] },
    annotations: "labels",
    labels: "labels",
  },
};

// Kubernetes' resource.Quantity: a decimal with an optional binary (Ki..Ei), decimal (n..E) or
// exponent suffix.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)([KMGTPE]i|[numkMGTPE]|[eE][+-]?(\d+(\.\d*)?|\.\d+))?$/;

function shapeErrors(value: unknown, shape: Shape, path: string): string[] {
  const shown = JSON.stringify(value);
  if (shape === "integer") return Number.isInteger(value) ? [] : [`${path}: ${shown} is not an integer`];
  if (shape === "string") return typeof value === "string" ? [] : [`${path}: ${shown} is not a string`];
  if (shape === "quantity")
    return (typeof value === "string" && QUANTITY.test(value)) || typeof value === "number"
      ? []
      : [`${path}: ${shown} is not a Kubernetes quantity`];
  if (shape === "quantities")
    return isRecord(value)
      ? Object.entries(value).flatMap(([key, inner]) => shapeErrors(inner, "quantity", `${path}.${key}`))
      : [`${path}: ${shown} is not a map of quantities`];
  if (shape === "strings")
    return Array.isArray(value) && value.every((v) => typeof v === "string")
      ? []
      : [`${path}: ${shown} is not a list of strings`];
  if (shape === "labels")
    return isRecord(value) && Object.values(value).every((v) => typeof v === "string")
      ? []
      : [`${path}: ${shown} is not a map of strings`];
  if ("oneOf" in shape && Array.isArray(shape.oneOf))
    return shape.oneOf.includes(value as string)
      ? []
      : [`${path}: ${shown} is not one of ${shape.oneOf.join(", ")}`];
  if (!isRecord(value)) return [`${path}: ${shown} is not an object`];
  const fields = shape as { readonly [field: string]: Shape };
  return Object.entries(value).flatMap(([key, inner]) => {
    const innerShape = fields[key];
    return innerShape === undefined
      ? [`${path}.${key} is not a field of RabbitmqCluster v1beta1`]
      : shapeErrors(inner, innerShape, `${path}.${key}`);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

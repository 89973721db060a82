/**
 * What an extension sees of the container that owns it: the service it serves, its settings, the
 * broker, and the one way to run a worker. Entrypoints and dependency providers are written
 * against this, never against the container's own lifecycle or test hooks.
 */
import type { Transport } from "../transport/transport.js";
import type { Logger } from "../util/logger.js";
import type { Config, ContainerSettings } from "./config.js";
import type { Entrypoint, Extension, ResultHandler, WorkerRun } from "./extension.js";
import type { OutgoingHeaders } from "./outgoing-headers.js";
import type { ContextData } from "./worker-context.js";

/** What an entrypoint may tell about the message a worker runs (`spawnWorker`). */
export interface SpawnOptions {
  /**
   * What identifies the message across redeliveries (the worker's `ctx.messageKey`): give one
   * when the message carries an id its sender chose once, such as an RPC request's correlation
   * id. Never a value made on receipt: a rerun must find the same key.
   */
  readonly messageKey?: string;
}

/** The container, as its extensions use it. */
export interface ExtensionHost {
  /** The service's name (`@service(name)`). */
  readonly serviceName: string;
  /** The config the service was started with (deeply read-only by convention). */
  readonly config: Config;
  /** The config's container settings, validated (max_workers, prefetch, serializer, ...). */
  readonly settings: ContainerSettings;
  /** The broker this container consumes from and publishes to (shared with its runner). */
  readonly transport: Transport;
  /** The container's logger (bound to the service name). */
  readonly logger: Logger;
  /** What extensions add to every outgoing message's headers (a trace context, for example). */
  readonly outgoingHeaders: OutgoingHeaders;

  /**
   * Runs one worker of `entrypoint` once a `max_workers` slot is free. `handleResult` runs with
   * the outcome before the providers' `workerResult` hooks (the RPC reply, the ack), and is not
   * called once the container is killed. The returned {@link WorkerRun} says how to settle the
   * message.
   */
  spawnWorker(
    entrypoint: Entrypoint,
    args: readonly unknown[],
    data: ContextData,
    handleResult?: ResultHandler,
    options?: SpawnOptions,
  ): Promise<WorkerRun>;

  /**
   * The container's one instance of a shared extension (Nameko's `SharedExtension`: the RPC
   * consumer, the reply listener), created on first request. Ask while the container is built.
   */
  shared<T extends Extension>(key: string, create: () => T): T;

  /**
   * The runner's one instance of something all its containers share (the process's HTTP server).
   * Its owner manages its lifecycle, since it outlives any one container.
   */
  runnerShared<T>(key: string, create: () => T): T;

  /** Kills the container because something it depends on failed for good (crash-only). */
  crash(err: Error): void;
}

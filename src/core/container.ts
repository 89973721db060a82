/**
 * The service container: runs one service. It builds the service's extensions, drives their
 * lifecycle in Nameko's order, and runs workers through a bounded pool.
 */

import type { Transport } from "../transport/transport.js";
import { ConfigurationError } from "../util/enoki-error.js";
import { createLogger, type Logger } from "../util/logger.js";
import { within } from "../util/within.js";
import { type Config, type ContainerSettings, containerSettings } from "./config.js";
import { findDeclarations } from "./dependency.js";
import { ContainerBeingKilled } from "./errors.js";
import type { DependencyProvider, Entrypoint, Extension, ResultHandler, WorkerRun } from "./extension.js";
import type { ExtensionHost, SpawnOptions } from "./extension-host.js";
import { DEFAULT_PHASE_TIMEOUTS, type PhaseTimeouts, runPhase } from "./lifecycle.js";
import { OutgoingHeaders } from "./outgoing-headers.js";
import { entrypointSpecs, type ServiceClass, serviceNameOf } from "./service.js";
import type { ContextData } from "./worker-context.js";
import { WorkerPool } from "./worker-pool.js";
import { type WorkerDoneListener, WorkerRunner } from "./worker-runner.js";

/** Options for a {@link ServiceContainer}. */
export interface ContainerOptions {
  readonly config?: Config;
  readonly transport: Transport;
  readonly logger?: Logger;
  readonly phaseTimeouts?: Partial<PhaseTimeouts>;
  /**
   * Objects shared by all containers of one runner (such as the one HTTP server of a process).
   * A container built without a runner gets a registry of its own.
   */
  readonly runnerShared?: Map<string, unknown>;
}

/** Where a container is in its life. */
export type ContainerState = "created" | "starting" | "running" | "stopping" | "stopped" | "killed";

/**
 * Runs one service.
 * @typeParam S - the service class's instance type (so test helpers can check method and
 *   dependency names); `object` when unknown.
 */
export class ServiceContainer<S extends object = object> implements ExtensionHost, AsyncDisposable {
  readonly serviceName: string;
  readonly serviceClass: ServiceClass<S>;
  readonly config: Config;
  /** The config's container settings, validated (max_workers, prefetch, serializer, ...). */
  readonly settings: ContainerSettings;
  /** The broker this container consumes from and publishes to (shared with its runner). */
  readonly transport: Transport;
  readonly logger: Logger;
  /** The `max_workers` slots all its entrypoints share. */
  readonly pool: WorkerPool;
  /** What extensions add to every outgoing message's headers. */
  readonly outgoingHeaders = new OutgoingHeaders();
  /** Resolves when the container has stopped (`undefined`) or was killed (the reason). */
  readonly closed: Promise<Error | undefined>;

  #entrypoints: Entrypoint[] = [];
  #dependencies = new Map<string, DependencyProvider>();
  #shared = new Map<string, Extension>();
  /** The shared extensions each entrypoint and provider asked for when it was built. */
  #sharedKeys = new Map<Extension, ReadonlySet<string>>();
  #requested: Set<string> | undefined;
  /** Shared extensions asked for by no extension being built: never dropped. */
  #pinned = new Set<string>();
  #workers: WorkerRunner;
  #runnerShared: Map<string, unknown>;
  #timeouts: PhaseTimeouts;
  #state: ContainerState = "created";
  #starting: Promise<void> | undefined;
  #killer = new AbortController();
  #stopping = new AbortController();
  #resolveClosed!: (reason: Error | undefined) => void;

  constructor(serviceClass: ServiceClass<S>, options: ContainerOptions) {
    const name = serviceNameOf(serviceClass);
    if (name === undefined) {
      throw new ConfigurationError(
        `${serviceClass.name || "class"} is not a service: decorate it with @service(name)`,
      );
    }
    this.serviceName = name;
    this.serviceClass = serviceClass;
    this.config = options.config ?? {};
    this.settings = containerSettings(this.config);
    this.transport = options.transport;
    this.logger = (options.logger ?? createLogger()).child({ service: name });
    this.pool = new WorkerPool(this.settings.maxWorkers);
    this.#timeouts = { ...DEFAULT_PHASE_TIMEOUTS, ...options.phaseTimeouts };
    this.#runnerShared = options.runnerShared ?? new Map();
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    for (const spec of entrypointSpecs(serviceClass))
      this.#entrypoints.push(this.#build(() => spec.create(this, spec.signature)));
    for (const [field, factory] of findDeclarations(new serviceClass())) {
      this.#dependencies.set(
        field,
        this.#build(() => factory(this, field)),
      );
    }
    this.#workers = new WorkerRunner({
      serviceName: name,
      serviceClass,
      parentCallsTracked: this.settings.parentCallsTracked,
      logger: this.logger,
      killed: this.#killer.signal,
      outgoingHeaders: this.outgoingHeaders,
    });
    this.#workers.useDependencies(this.#dependencies);
  }

  // Builds an extension, noting which shared extensions it asks for (its sub-extensions, in
  // Nameko's terms), so that removing it can remove them too.
  #build<T extends Extension>(create: () => T): T {
    const requested = new Set<string>();
    this.#requested = requested;
    try {
      const extension = create();
      this.#sharedKeys.set(extension, requested);
      return extension;
    } finally {
      this.#requested = undefined;
    }
  }

  // Drops the shared extensions that no remaining entrypoint or provider asked for (the RPC
  // consumer once no @rpc entrypoint is left, the HTTP server once no @http one is).
  #pruneShared(): void {
    const used = new Set(this.#pinned);
    for (const extension of [...this.#entrypoints, ...this.#dependencies.values()])
      for (const key of this.#sharedKeys.get(extension) ?? []) used.add(key);
    for (const key of this.#shared.keys()) if (!used.has(key)) this.#shared.delete(key);
  }

  get state(): ContainerState {
    return this.#state;
  }

  /** The service's entrypoints. */
  get entrypoints(): readonly Entrypoint[] {
    return this.#entrypoints;
  }

  /** The service's dependency providers, by field name. */
  get dependencies(): ReadonlyMap<string, DependencyProvider> {
    return this.#dependencies;
  }

  /** Extensions shared by several entrypoints or providers of this container. */
  get sharedExtensions(): readonly Extension[] {
    return [...this.#shared.values()];
  }

  /**
   * The container's one instance of a shared extension (the RPC consumer, the reply listener,
   * the HTTP server), created on first request. Ask for it while the container is being built.
   */
  shared<T extends Extension>(key: string, create: () => T): T {
    (this.#requested ?? this.#pinned).add(key);
    let ext = this.#shared.get(key);
    if (ext === undefined) {
      ext = create();
      this.#shared.set(key, ext);
    }
    return ext as T;
  }

  /**
   * The runner's one instance of something all its containers share (the process's HTTP
   * server), created on first request. Its owner manages its lifecycle (reference counting the
   * containers that use it), since it outlives any one container.
   */
  runnerShared<T>(key: string, create: () => T): T {
    let value = this.#runnerShared.get(key);
    if (value === undefined) {
      value = create();
      this.#runnerShared.set(key, value);
    }
    return value as T;
  }

  /**
   * Removes entrypoints (for tests that want only some of them live), and the shared extensions
   * only they used. Before start only.
   */
  restrictEntrypoints(keep: (entrypoint: Entrypoint) => boolean): void {
    this.#assertCreated("restrict entrypoints");
    this.#entrypoints = this.#entrypoints.filter(keep);
    this.#pruneShared();
  }

  /**
   * Replaces a dependency provider (for tests), and drops the shared extensions only the old one
   * used. Before start only.
   */
  replaceDependency(field: string, provider: DependencyProvider): void {
    this.#assertCreated("replace dependencies");
    if (!this.#dependencies.has(field))
      throw new ConfigurationError(`${this.serviceName} has no dependency ${field}`);
    this.#dependencies.set(field, provider);
    this.#workers.useDependencies(this.#dependencies);
    this.#pruneShared();
  }

  /**
   * Calls `listener` each time a worker of this container finishes, after its result was
   * handled and its teardown hooks ran (what test helpers such as `entrypointWaiter` wait
   * for). A listener that throws is logged. Returns a function that removes the listener.
   * @example
   * const off = container.onWorkerDone(({ entrypoint, outcome }) => console.log(entrypoint.method, outcome.ok));
   */
  onWorkerDone(listener: WorkerDoneListener): () => void {
    return this.#workers.onDone(listener);
  }

  /** Sets up, then starts, every extension. On failure the container is killed and this rejects. */
  start(): Promise<void> {
    this.#assertCreated("start");
    this.#state = "starting";
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    const all = [...this.#entrypoints, ...this.#dependencies.values(), ...this.#shared.values()];
    try {
      await runPhase(all, "setup", this.#timeouts.setup, this.logger);
      await runPhase(all, "start", this.#timeouts.start, this.logger);
    } catch (err) {
      await this.kill(err as Error);
      throw err;
    }
    if (this.#state === "starting") this.#state = "running";
  }

  /**
   * Stops gracefully: entrypoints stop taking work, running workers finish (and their messages
   * are acknowledged), then dependencies and shared extensions stop. Escalates to {@link kill}
   * if a phase runs out of time.
   */
  async stop(): Promise<void> {
    // Stopping halfway through start would leave consumers that start later running: let the
    // start finish (or fail) first.
    if (this.#state === "starting") await this.#starting?.catch(() => undefined);
    if (this.#state !== "running") return;
    this.#state = "stopping";
    this.#stopping.abort();
    const steps = [
      () => runPhase(this.#entrypoints, "stop", this.#timeouts.stop, this.logger),
      () => this.#drain(),
      () => runPhase(this.#dependencies.values(), "stop", this.#timeouts.stop, this.logger),
      () => runPhase(this.#shared.values(), "stop", this.#timeouts.stop, this.logger),
    ];
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        this.logger.error({ err }, "graceful stop failed; killing");
        await this.kill(err as Error);
      }
      // A kill (a second Ctrl+C, or a failed step) takes over from here.
      if (this.killed) return;
    }
    this.#state = "stopped";
    this.#resolveClosed(undefined);
  }

  /**
   * Kills: running workers are abandoned (their signal aborts), consumers close without
   * acknowledging, so the broker puts unfinished messages back in their queues. Never rejects.
   */
  async kill(reason: Error = new ContainerBeingKilled()): Promise<void> {
    if (this.#state === "killed" || this.#state === "stopped") return;
    this.#state = "killed";
    this.#stopping.abort();
    this.#killer.abort(reason);
    const t = this.#timeouts.kill;
    await runPhase(this.#entrypoints, "kill", t, this.logger, reason);
    await runPhase(this.#dependencies.values(), "kill", t, this.logger, reason);
    await runPhase(this.#shared.values(), "kill", t, this.logger, reason);
    this.#resolveClosed(reason);
  }

  /** Kills the container because something it depends on failed for good (crash-only). */
  crash(err: Error): void {
    this.logger.error({ err }, "container crashed");
    void this.kill(err);
  }

  /** Whether the container was killed; work in flight must then settle nothing. */
  get killed(): boolean {
    return this.#killer.signal.aborted;
  }

  /** `stop()`, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * Runs one worker of `entrypoint` once a pool slot is free (see
   * {@link ExtensionHost.spawnWorker}); `not-started` if the container began stopping first.
   */
  async spawnWorker(
    entrypoint: Entrypoint,
    args: readonly unknown[],
    data: ContextData,
    handleResult?: ResultHandler,
    options?: SpawnOptions,
  ): Promise<WorkerRun> {
    if (!this.pool.tryAcquire()) {
      if (!(await this.#waitForSlot())) return NOT_STARTED;
    }
    try {
      return await this.#workers.run(entrypoint, args, data, handleResult, options);
    } finally {
      this.pool.release();
    }
  }

  async #waitForSlot(): Promise<boolean> {
    const stopping = this.#stopping.signal;
    if (stopping.aborted) return false;
    let onStop!: () => void;
    const stopped = new Promise<false>((resolve) => {
      onStop = () => resolve(false);
      stopping.addEventListener("abort", onStop, { once: true });
    });
    const acquired = this.pool.acquire().then(() => true);
    const got = await Promise.race([acquired, stopped]);
    stopping.removeEventListener("abort", onStop);
    // Stopping won the race, but the slot will still be handed to us: give it back.
    if (!got) void acquired.then(() => this.pool.release());
    return got;
  }

  async #drain(): Promise<void> {
    const ms = this.#timeouts.stop;
    await within(this.pool.idle(), ms, () => new Error(`running workers did not finish within ${ms} ms`));
  }

  #assertCreated(action: string): void {
    if (this.#state !== "created")
      throw new Error(`Cannot ${action}: container ${this.serviceName} is ${this.#state}`);
  }
}

const NOT_STARTED: WorkerRun = { status: "not-started" };

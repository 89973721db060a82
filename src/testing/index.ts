/**
 * Enoki's test helpers (package export `enoki/testing`), with Nameko's semantics: unit-test a
 * service with its dependencies replaced (`workerFactory`), run services in a test over the
 * in-memory broker (`startServices`), and reach into a running container (`entrypointHook`,
 * `entrypointWaiter`, `replaceDependencies`, `restrictEntrypoints`).
 *
 * @packageDocumentation
 */
import "../core/metadata.js";

export type { ServiceContainer } from "../core/container.js";
export type { FinishedWorker, WorkerDoneListener } from "../core/worker-runner.js";
export {
  DEFAULT_WAIT_MS,
  type EntrypointHook,
  type EntrypointHookOptions,
  entrypointHook,
} from "./entrypoint-hook.js";
export {
  EntrypointWaiter,
  type EntrypointWaiterOptions,
  entrypointWaiter,
  type WaitedWorker,
} from "./entrypoint-waiter.js";
export { EntrypointWaiterTimeout, ExtensionNotFound, MissingDouble } from "./errors.js";
export { replaceDependencies } from "./replace-dependencies.js";
export { restrictEntrypoints } from "./restrict-entrypoints.js";
export { createServices, startServices, TestServices, type TestServicesOptions } from "./start-services.js";
export type {
  DependencyFields,
  DependencyName,
  DependencyType,
  Double,
  Doubles,
  EntrypointArgs,
  EntrypointName,
  EntrypointResult,
  MemberDouble,
} from "./types.js";
export { workerFactory } from "./worker-factory.js";

/**
 * Writing extensions (package export `enoki/extension`): the contract Enoki's own entrypoints and
 * dependency providers are written with, for entrypoints, dependency providers and shared
 * extensions of your own. docs/writing-extensions.md walks through an example of each.
 *
 * @packageDocumentation
 */
import "./core/metadata.js";

export type { Config, ContainerSettings } from "./core/config.js";
export { dependency, type Injected, type ProviderFactory } from "./core/dependency.js";
export type {
  DependencyProvider,
  Entrypoint,
  EntrypointKind,
  Extension,
  Phase,
  ResultHandler,
  WorkerOutcome,
  WorkerRun,
} from "./core/extension.js";
export type { ExtensionHost, SpawnOptions } from "./core/extension-host.js";
export {
  type HeaderContributor,
  OutgoingHeaders,
  type OutgoingMessage,
} from "./core/outgoing-headers.js";
export { type AnyMethodContext, addEntrypoint, type EntrypointSpec } from "./core/service.js";
export { bindArguments, type Parameter, type Signature } from "./core/signature.js";
export { type ContextData, WorkerContext } from "./core/worker-context.js";
export type { FinishedWorker, WorkerDoneListener } from "./core/worker-runner.js";
export { MessageEntrypoint, type MessageTopology } from "./messaging/message-entrypoint.js";
export type {
  BindingSpec,
  Consumer,
  ConsumerSpec,
  Delivery,
  ExchangeSpec,
  MessageProperties,
  OutgoingMessage as TransportMessage,
  QueueSpec,
  ReturnedMessage,
  Transport,
  TransportStatus,
} from "./transport/transport.js";
export { EnokiError } from "./util/enoki-error.js";
export type { Logger } from "./util/logger.js";

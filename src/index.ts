/**
 * Enoki: Nameko-compatible microservices for TypeScript. The root export is what an application
 * uses: declaring services, calling them, running them. Writing entrypoints and dependency
 * providers of your own is `enoki/extension`; testing is `enoki/testing`; Redis is `enoki/redis`.
 *
 * @packageDocumentation
 */
import "./core/metadata.js";

// Running services
export { type Config, DEFAULTS } from "./core/config.js";
// Declaring services
export { config } from "./core/config-dependency.js";
export { type ConfigFileOptions, type Environment, loadConfigFile, parseConfig } from "./core/config-file.js";
export type { ContainerState } from "./core/container.js";
export { workerContext } from "./core/context.js";
export { dependency, type Injected } from "./core/dependency.js";
// Errors
export { ContainerBeingKilled, DependencyNotInjected, ExtensionTimeoutError } from "./core/errors.js";
export type { PhaseTimeouts } from "./core/lifecycle.js";
export type { ListenAddress } from "./core/listen-address.js";
export { logger } from "./core/logger-dependency.js";
export type { ServiceClass } from "./core/service.js";
export { service } from "./core/service.js";
export type { ContextData, WorkerContext } from "./core/worker-context.js";
export { type EventDispatcherOptions, eventDispatcher } from "./events/event-dispatcher.js";
export { type EventHandlerOptions, eventHandler } from "./events/event-handler.js";
export type { UnroutableEventPolicy } from "./events/event-publisher.js";
export type { Dispatch, EventHandlerMethod, EventMap, EventPayload, EventType } from "./events/types.js";
export type { HealthState } from "./health/health-server.js";
export { type HttpOptions, http } from "./http/http.js";
export { HttpError, type HttpErrorOptions } from "./http/http-error.js";
export { HttpRequest, type HttpRequestInit } from "./http/request.js";
export {
  type HttpBody,
  type HttpHeaders,
  HttpResponse,
  type HttpResponseInit,
  json,
} from "./http/response.js";
export type { RouteParams } from "./http/rule.js";
// Idempotent handlers
export { IdempotentRunInProgress } from "./idempotency/errors.js";
export type { IdempotencyClaim, IdempotencyStore } from "./idempotency/idempotency-store.js";
export { type IdempotencyStoreSource, type IdempotentOptions, idempotent } from "./idempotency/idempotent.js";
export { MemoryIdempotencyStore } from "./idempotency/memory-idempotency-store.js";
export { Backoff } from "./messaging/backoff.js";
export { type ConsumeOptions, type ConsumeSource, consume } from "./messaging/consume.js";
export type { ExchangeOptions, QueueOptions } from "./messaging/declarations.js";
export type { FailureOptions } from "./messaging/message-entrypoint.js";
export {
  type Publish,
  type PublisherOptions,
  type PublishOptions,
  publisher,
} from "./messaging/publisher.js";
export type { ErrorClass, RetryOptions } from "./messaging/retry-policy.js";
export { ReplyQueueLost, RpcTimeout } from "./rpc/errors.js";
// Calling services
export { type Kwargs, kwargs } from "./rpc/kwargs.js";
export { type RpcOptions, rpc } from "./rpc/rpc.js";
export { rpcProxy } from "./rpc/rpc-proxy.js";
export type {
  AsyncCall,
  CallOptions,
  ClusterRpc,
  RpcClient,
  RpcMethod,
  Serialized,
  ServiceClient,
  UntypedRpcClient,
} from "./rpc/types.js";
export { type RunnerOptions, runServices, ServiceRunner } from "./runtime/runner.js";
export { Cluster, type ConnectOptions, connect } from "./standalone/cluster.js";
export { type TimerOptions, timer } from "./timer/timer.js";
export type { SpanPayloadOptions } from "./tracing/span-payload.js";
export { maskUri, type TlsOptions } from "./transport/broker-uri.js";
export { ConnectionLost, MessageRefused, UndeliverableMessage } from "./transport/errors.js";
export { MemoryBroker, type QueueInfo } from "./transport/memory/memory-broker.js";
export { type QueueType, QueueTypeMismatch } from "./transport/queue-type.js";
export { ConfigurationError, EnokiError } from "./util/enoki-error.js";
export { createLogger, type Logger, type LoggerOptions, silentLogger } from "./util/logger.js";
export {
  BadRequest,
  DeadlineExceeded,
  Expired,
  IncorrectSignature,
  MalformedRequest,
  MethodNotFound,
  RemoteError,
  ServiceError,
  UnknownService,
  UnserializableValueError,
} from "./wire/remote-errors.js";
export { type RemoteErrorClass, registerRemoteError, type WireError } from "./wire/wire-error.js";

/**
 * The one RPC consumer of a container: consumes `rpc-<service>`, routes each request to its
 * method, and replies (Nameko's `RpcConsumer` and `Responder`).
 *
 * Every request gets a reply when it has a `reply_to`: its result, its error, or the reason it
 * could not be run. The request is acknowledged only after the reply is confirmed by the broker,
 * so a crash in between means the request runs again (at-least-once), never that it is lost. A
 * transient request (`RPC_PERSISTENT: false` at its caller) is the exception: its reply, transient
 * too, is published without a confirm and the request acknowledged once the reply is written.
 * The broker keeps neither, so a confirm would guarantee nothing a restart does not undo; it
 * would only cost the broker (its dearest per-call work) and delay the ack.
 */

import type { Entrypoint, Extension, WorkerOutcome } from "../core/extension.js";
import type { ExtensionHost } from "../core/extension-host.js";
import { bindArguments, type Signature } from "../core/signature.js";
import { MessageRepublisher } from "../messaging/message-republisher.js";
import type { RetryPolicy } from "../messaging/retry-policy.js";
import { traceRefusedRequest } from "../tracing/worker-span.js";
import { withQueueType } from "../transport/queue-type.js";
import type { Consumer, Delivery } from "../transport/transport.js";
import { diagnostics, type Redelivery } from "../util/diagnostics.js";
import type { Logger } from "../util/logger.js";
import { contextFromHeaders, DEADLINE_KEY, readDeadline } from "../wire/context-headers.js";
import type { Serializer } from "../wire/json.js";
import { PERSISTENT, rpcBindingKey, rpcExchange, rpcQueue } from "../wire/names.js";
import {
  DeadlineExceeded,
  Expired,
  MethodNotFound,
  UnserializableValueError,
} from "../wire/remote-errors.js";
import { attemptsSoFar, RPC_METHOD_ID_HEADER, RPC_METHOD_ID_KEY } from "../wire/retry-wire.js";
import {
  decodeRequest,
  encodeErrorReply,
  encodeResult,
  replyDeliveryMode,
  replySerializer,
} from "../wire/rpc-envelope.js";
import { toWireError, type WireError } from "../wire/wire-error.js";
import { RequestLedger } from "./request-ledger.js";

/** What the consumer needs of an `@rpc` entrypoint: its method and the signature to bind. */
export interface RpcMethod extends Entrypoint {
  readonly signature: Signature;
  /** Answer a request whose deadline has passed with `DeadlineExceeded` instead of running it. */
  readonly refuseExpired?: boolean;
  /** With `@rpc({ retry })`: which failures run again, when, and how often. */
  readonly retry?: RetryPolicy | undefined;
}

/** Consumes a service's RPC queue and answers every request. */
export class RpcConsumer implements Extension {
  readonly name: string;
  readonly #container: ExtensionHost;
  readonly #logger: Logger;
  readonly #entrypoints = new Map<string, RpcMethod>();
  readonly #serializer: Serializer;
  readonly #maxBodyBytes: number;
  readonly #ledger = new RequestLedger();
  readonly #republisher: MessageRepublisher;
  #consumer: Consumer | undefined;
  #stopping = false;

  constructor(container: ExtensionHost) {
    this.#container = container;
    this.name = `rpc consumer rpc-${container.serviceName}`;
    this.#logger = container.logger.child({ queue: rpcQueue(container.serviceName).name });
    this.#serializer = container.settings.serializer;
    this.#maxBodyBytes = container.settings.maxMessageBytes;
    this.#republisher = new MessageRepublisher(container.transport, rpcQueue(container.serviceName).name);
  }

  register(entrypoint: RpcMethod): void {
    this.#entrypoints.set(entrypoint.method, entrypoint);
  }

  /** Removes an entrypoint; the last one to go cancels consuming, so no new request arrives. */
  async unregister(entrypoint: RpcMethod): Promise<void> {
    this.#entrypoints.delete(entrypoint.method);
    if (this.#entrypoints.size > 0) return;
    this.#stopping = true;
    await this.#consumer?.cancel();
  }

  async start(): Promise<void> {
    const service = this.#container.serviceName;
    this.#consumer = await this.#container.transport.consume({
      queue: withQueueType(rpcQueue(service), this.#container.settings.queueType),
      bindings: [
        { exchange: rpcExchange(this.#container.settings.rpcExchange), routingKey: rpcBindingKey(service) },
      ],
      prefetch: this.#container.settings.prefetch,
      onMessage: (d) => this.#onRequest(d),
      onFailure: (err) => this.#container.crash(err),
    });
  }

  async stop(): Promise<void> {
    await this.#consumer?.close();
  }

  async kill(): Promise<void> {
    await this.#consumer?.close();
  }

  #onRequest(delivery: Delivery): void {
    if (delivery.redelivered && diagnostics.redelivery.hasSubscribers) {
      const redelivery: Redelivery = { service: this.#container.serviceName, kind: "rpc" };
      diagnostics.redelivery.publish(redelivery);
    }
    // Delivered between the stop and the broker's cancel-ok: another instance will answer it.
    if (this.#stopping) {
      delivery.reject(true);
      return;
    }
    const replyTo = delivery.properties.replyTo;
    if (replyTo === undefined || replyTo === "") {
      // Nobody to tell: reject without requeueing, visibly (Nameko crashes here).
      this.#logger.error({ routingKey: delivery.routingKey }, "rejected an RPC request without reply_to");
      delivery.reject(false);
      return;
    }
    const key = RequestLedger.key(replyTo, delivery.properties.correlationId);
    const seen = key !== undefined && delivery.redelivered ? this.#ledger.lookup(key) : undefined;
    if (seen === undefined) {
      this.#handle(delivery, key);
    } else if (seen === "answered") {
      this.#alreadyAnswered(delivery);
    } else {
      // Its first delivery is running here: answer once, from that run.
      void seen.then((answered) =>
        answered ? this.#alreadyAnswered(delivery) : this.#handle(delivery, key),
      );
    }
  }

  #alreadyAnswered(delivery: Delivery): void {
    this.#logger.info(
      { routingKey: delivery.routingKey, correlationId: delivery.properties.correlationId },
      "a redelivered request was answered already; acknowledged without running it again",
    );
    delivery.ack();
  }

  #handle(delivery: Delivery, key: string | undefined): void {
    const serializer = replySerializer(delivery, this.#serializer);
    let args: unknown[];
    let entrypoint: RpcMethod;
    let data: Record<string, unknown>;
    try {
      entrypoint = this.#entrypointFor(methodId(delivery));
      const request = decodeRequest(delivery, this.#maxBodyBytes);
      args = bindArguments(entrypoint.signature, request.args, request.kwargs);
      data = contextFromHeaders(delivery.properties.headers);
      // The retry's routing, not context: forwarded, it would misroute this worker's own calls.
      delete data[RPC_METHOD_ID_KEY];
      if (entrypoint.refuseExpired) refuseExpired(data, delivery.routingKey);
    } catch (err) {
      // Name the error the caller gets, as well as the reason: "nope" alone says nothing.
      const { name, message } = err as Error;
      this.#logger.warn(
        { routingKey: delivery.routingKey, error: name, reason: message },
        `refused an RPC request with ${name}: ${message}`,
      );
      traceRefusedRequest(delivery.routingKey, delivery.properties.headers, err);
      void this.#reply(delivery, serializer, { ok: false, error: err });
      return;
    }
    if (key !== undefined) this.#ledger.begin(key);
    void this.#container
      .spawnWorker(
        entrypoint,
        args,
        data,
        (_ctx, outcome) => this.#settle(delivery, serializer, outcome, key, entrypoint.retry),
        { messageKey: messageKey(delivery) },
      )
      .then((run) => {
        // The container began stopping before a worker slot freed up: let another instance run it.
        if (run.status === "not-started") delivery.reject(true);
        // Not answered here (not started, or killed): a copy redelivered later runs.
        if (key !== undefined && run.status !== "finished") this.#ledger.end(key, false);
      });
  }

  #entrypointFor(routingKey: string): RpcMethod {
    const method = routingKey.slice(routingKey.indexOf(".") + 1);
    const entrypoint = this.#entrypoints.get(method);
    if (entrypoint === undefined) throw new MethodNotFound(method);
    return entrypoint;
  }

  // A failure an `@rpc({ retry })` method retries goes to a delay queue, keeping its reply_to and
  // correlation id, instead of being answered; after the last attempt the caller gets Expired.
  async #settle(
    delivery: Delivery,
    serializer: Serializer,
    outcome: WorkerOutcome,
    key: string | undefined,
    retry: RetryPolicy | undefined,
  ): Promise<void> {
    if (outcome.ok || retry === undefined || !retry.retries(outcome.error)) {
      return this.#reply(delivery, serializer, outcome, key);
    }
    const runs = attemptsSoFar(delivery.properties.headers) + 1;
    const limit = retry.attempts(this.#container.settings.messageMaxAttempts);
    if (limit !== 0 && runs >= limit) {
      return this.#reply(delivery, serializer, { ok: false, error: expired(retry, limit) }, key);
    }
    const delayMs = retry.delayAfter(runs);
    try {
      await this.#republisher.delay(delivery, delayMs, runs, { [RPC_METHOD_ID_HEADER]: methodId(delivery) });
    } catch (err) {
      this.#logger.error(
        { err, routingKey: delivery.routingKey },
        "could not send a failed call to its retry; the request goes back to the queue",
      );
      if (key !== undefined) this.#ledger.end(key, false);
      delivery.reject(true);
      return;
    }
    this.#logger.warn(
      { routingKey: delivery.routingKey, attempts: runs, delayMs },
      `${methodId(delivery)} failed (run ${runs} of ${limit === 0 ? "unlimited" : limit}); it runs again in ${delayMs} ms`,
    );
    if (key !== undefined) this.#ledger.end(key, false);
    delivery.ack();
  }

  async #reply(
    delivery: Delivery,
    serializer: Serializer,
    outcome: WorkerOutcome,
    key?: string,
  ): Promise<void> {
    const body = this.#encodeReply(serializer, outcome, delivery.routingKey);
    const { correlationId, replyTo } = delivery.properties;
    const deliveryMode = replyDeliveryMode(delivery.properties.deliveryMode);
    try {
      await this.#container.transport.publish({
        exchange: this.#container.settings.rpcExchange,
        routingKey: replyTo as string,
        body,
        confirm: deliveryMode === PERSISTENT,
        properties: {
          contentType: serializer.contentType,
          contentEncoding: serializer.contentEncoding,
          deliveryMode,
          priority: 0,
          correlationId,
          headers: {},
        },
      });
    } catch (err) {
      this.#logger.error(
        { err, correlationId },
        "could not publish an RPC reply; the request goes back to the queue",
      );
      if (key !== undefined) this.#ledger.end(key, false);
      delivery.reject(true);
      return;
    }
    if (key !== undefined) this.#ledger.end(key, true);
    delivery.ack();
  }

  #encodeReply(serializer: Serializer, outcome: WorkerOutcome, routingKey: string): Buffer {
    if (!outcome.ok) return encodeErrorReply(serializer, this.#wireError(outcome.error));
    try {
      return encodeResult(serializer, outcome.result);
    } catch (err) {
      const error =
        err instanceof UnserializableValueError ? err : new UnserializableValueError(outcome.result);
      // The method succeeded, so nothing else logs it: without this line the service is silent
      // while its caller gets an error.
      this.#logger.error(
        { err: error, routingKey },
        `the result of ${routingKey} cannot be serialized; the caller gets UnserializableValueError`,
      );
      return encodeErrorReply(serializer, this.#wireError(error));
    }
  }

  #wireError(error: unknown): WireError {
    return toWireError(error, this.#container.serviceName);
  }
}

/** Throws `DeadlineExceeded` when the request's deadline has passed. */
function refuseExpired(data: Readonly<Record<string, unknown>>, routingKey: string): void {
  const deadline = readDeadline(data[DEADLINE_KEY]);
  if (deadline === undefined) return;
  const late = Date.now() - deadline;
  if (late >= 0)
    throw new DeadlineExceeded(
      `The caller's deadline passed ${late} ms before ${routingKey} could start; it was not run`,
    );
}

/**
 * What identifies a request on every delivery, to this instance or another: its `reply_to` (the
 * caller's reply routing key) and the correlation id its caller chose (`undefined` without one).
 */
function messageKey(delivery: Delivery): string | undefined {
  const { replyTo, correlationId } = delivery.properties;
  return correlationId === undefined || correlationId === "" ? undefined : `${replyTo}:${correlationId}`;
}

/**
 * The `<service>.<method>` a request is for: its routing key, or, for a request back from a
 * delay queue (through the default exchange, routed by queue name), the header saying it.
 */
function methodId(delivery: Delivery): string {
  const header = delivery.properties.headers[RPC_METHOD_ID_HEADER];
  return delivery.exchange === "" && typeof header === "string" ? header : delivery.routingKey;
}

/** nameko-amqp-retry's words: the retries (runs after the first) and the delays they took. */
function expired(retry: RetryPolicy, attempts: number): Expired {
  const retries = attempts - 1;
  let totalMs = 0;
  for (let run = 1; run <= retries; run++) totalMs += retry.delayAfter(run, () => 0.5);
  return new Expired(`Backoff aborted after '${retries}' retries (~${Math.round(totalMs / 1000)} seconds)`);
}

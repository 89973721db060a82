/**
 * Sending RPC requests: one place that builds the request message exactly as Nameko does and
 * ties it to its reply.
 */
import { randomUUID } from "node:crypto";
import { rpcCallSpan, traceSend } from "../tracing/call-span.js";
import { UndeliverableMessage } from "../transport/errors.js";
import type { Transport } from "../transport/transport.js";
import { diagnostics, type RpcCallFinished } from "../util/diagnostics.js";
import { withDeadline } from "../wire/context-headers.js";
import type { Serializer } from "../wire/json.js";
import { PERSISTENT, rpcRoutingKey, TRANSIENT } from "../wire/names.js";
import { DeadlineExceeded, UnknownService } from "../wire/remote-errors.js";
import { encodeRequest } from "../wire/rpc-envelope.js";
import { RpcTimeout } from "./errors.js";
import type { ReplyListener } from "./reply-listener.js";

/** One request. */
export interface RpcRequest {
  readonly service: string;
  readonly method: string;
  readonly args: readonly unknown[];
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** The `nameko.*` headers (context data and call id stack). */
  readonly headers: Readonly<Record<string, unknown>>;
  /** 0 waits forever (unless {@link deadline} is set). */
  readonly timeoutMs: number;
  /**
   * The deadline of the worker making the call (epoch milliseconds), if it has one: the call
   * waits no longer than it, whatever its own timeout.
   */
  readonly deadline?: number | undefined;
}

/** Sends requests and returns their replies. */
export class RpcCaller {
  readonly #transport: Transport;
  readonly #listener: ReplyListener;
  readonly #exchange: string;
  readonly #serializer: Serializer;
  readonly #deliveryMode: number;
  readonly #confirm: boolean;
  readonly #owner: string | undefined;

  /**
   * @param persistent - send requests persistent and confirmed, as Nameko does (config
   *   `RPC_PERSISTENT`); `false` sends them transient and unconfirmed.
   * @param owner - the service making the calls (none for a standalone client), for reports.
   */
  constructor(
    transport: Transport,
    listener: ReplyListener,
    exchange: string,
    serializer: Serializer,
    persistent = true,
    owner?: string,
  ) {
    this.#owner = owner;
    this.#transport = transport;
    this.#listener = listener;
    this.#exchange = exchange;
    this.#serializer = serializer;
    this.#deliveryMode = persistent ? PERSISTENT : TRANSIENT;
    // A transient request is not kept by the broker, so a confirm would promise nothing about
    // it; without one, an unknown service is still told by the request's return (the listener
    // matches it), but a request the broker drops is seen only as a timeout.
    this.#confirm = persistent;
  }

  /**
   * Calls a remote method; resolves with its result or rejects with its (rebuilt) error.
   *
   * A call that will stop waiting (a timeout, or the calling worker's deadline, whichever comes
   * first) carries its deadline: the `nameko.deadline` header (epoch milliseconds) and the AMQP
   * `expiration` (the milliseconds left), so the broker drops the request once nobody waits for
   * it. A call with neither is sent exactly as Nameko sends it.
   */
  call(request: RpcRequest): Promise<unknown> {
    return traceSend(
      request.headers,
      () => rpcCallSpan(request.service, request.method),
      (headers, span) =>
        this.#call(request, headers, (correlationId) => {
          if (span?.isRecording()) span.setAttribute("nameko.rpc.correlation_id", correlationId);
        }),
    );
  }

  async #call(
    request: RpcRequest,
    headers: Readonly<Record<string, unknown>>,
    onCorrelationId: (id: string) => void,
  ): Promise<unknown> {
    const body = encodeRequest(this.#serializer, request.args, request.kwargs);
    const target = rpcRoutingKey(request.service, request.method);
    if (!this.#listener.isReady) await this.#listener.ready(target);
    const now = Date.now();
    const deadline = earliest(request.timeoutMs > 0 ? now + request.timeoutMs : undefined, request.deadline);
    const leftMs = deadline === undefined ? 0 : deadline - now;
    if (deadline !== undefined && leftMs <= 0)
      throw new DeadlineExceeded(`The deadline passed ${now - deadline} ms before ${target} was called`);
    const correlationId = randomUUID();
    onCorrelationId(correlationId);
    const reply = this.#listener.expect(correlationId, target, leftMs, request.service);
    this.#transport
      .publish({
        exchange: this.#exchange,
        routingKey: target,
        body,
        mandatory: true,
        confirm: this.#confirm,
        properties: {
          contentType: this.#serializer.contentType,
          contentEncoding: this.#serializer.contentEncoding,
          deliveryMode: this.#deliveryMode,
          priority: 0,
          correlationId,
          replyTo: this.#listener.routingKey,
          expiration: deadline === undefined ? undefined : String(leftMs),
          headers:
            deadline === undefined ? (headers as Record<string, unknown>) : withDeadline(headers, deadline),
        },
      })
      .catch((err: Error) => {
        this.#listener.fail(
          correlationId,
          err instanceof UndeliverableMessage ? new UnknownService(request.service) : err,
        );
      });
    if (!diagnostics.rpcCallFinished.hasSubscribers) return reply;
    return this.#reported(request, reply);
  }

  async #reported(request: RpcRequest, reply: Promise<unknown>): Promise<unknown> {
    const started = performance.now();
    let outcome: RpcCallFinished["outcome"] = "error";
    try {
      const result = await reply;
      outcome = "ok";
      return result;
    } catch (err) {
      if (err instanceof RpcTimeout) outcome = "timeout";
      throw err;
    } finally {
      const { service, method } = request;
      const durationMs = performance.now() - started;
      const finished: RpcCallFinished = { caller: this.#owner, service, method, durationMs, outcome };
      diagnostics.rpcCallFinished.publish(finished);
    }
  }
}

/** The earlier of two optional deadlines. */
function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

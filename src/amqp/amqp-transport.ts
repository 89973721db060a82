/**
 * The RabbitMQ transport: one connection per runner, reconnected with backoff and jitter; one
 * shared confirm channel for publishing, and a plain one for messages published unconfirmed
 * (opened when first needed); one channel per consumer. Given several brokers
 * (`amqp://a;amqp://b`), it tries them in turn, round robin as kombu does.
 */
import type { ChannelModel } from "amqplib";
import {
  type BrokerAddress,
  maskUri,
  parseBrokerUri,
  parseBrokerUris,
  splitBrokerUris,
  type TlsOptions,
} from "../transport/broker-uri.js";
import { ConnectionLost } from "../transport/errors.js";
import type {
  BindingSpec,
  Consumer,
  ConsumerSpec,
  Delivery,
  ExchangeSpec,
  OutgoingMessage,
  QueueSpec,
  QueueStatus,
  ReturnedMessage,
  Transport,
  TransportStatus,
} from "../transport/transport.js";
import { createLogger, type Logger } from "../util/logger.js";
import { settleWithin, within } from "../util/within.js";
import { AmqpConsumer, CLOSE_TIMEOUT_MS } from "./amqp-consumer.js";
import { amqplib, coalesceWrites, decoderInstalled } from "./amqplib.js";
import { brokerComingBack } from "./broker-probe.js";
import { ConfirmPublisher } from "./confirm-publisher.js";
import { type ConnectFailure, connectFailure } from "./connect-failure.js";
import { PlainPublisher } from "./plain-publisher.js";
import { PublisherSlot, type SlotPublisher } from "./publisher-slot.js";
import { declareQueueOn, inspectQueueOn, MessageGetter, purgeQueueOn } from "./queue-admin.js";

/** Reconnection backoff. */
export interface BackoffOptions {
  /** First delay. Default 200 ms. */
  initialDelayMs?: number;
  /** Longest delay, jitter included. Default 5 s. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Random spread, 0 to 1. Default 0.3. */
  jitter?: number;
  /**
   * While waiting, how often every broker that refused the connection is probed (a TCP connect):
   * one that accepts again is connected to at once. Default 250 ms; 0 turns probing off.
   */
  probeIntervalMs?: number;
}

/** Options of {@link AmqpTransport}. */
export interface AmqpTransportOptions {
  /**
   * Broker URI, such as `amqp://guest:guest@localhost`, or several in kombu's syntax
   * (`amqp://a;amqp://b`), tried in turn.
   */
  uri: string;
  /** Heartbeat in seconds. Default 60 (as Nameko); 0 turns heartbeats off. */
  heartbeat?: number;
  /** TLS settings for `amqps://`. */
  tls?: TlsOptions;
  /** Shown in the broker's connection list. */
  connectionName?: string;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** How long a publish waits for a connection before failing. Default 30 s. */
  publishTimeoutMs?: number;
}

/** The RabbitMQ transport. */
export class AmqpTransport implements Transport {
  readonly description: string;
  readonly #options: AmqpTransportOptions;
  readonly #brokers: readonly Broker[];
  /** The broker connected to, or tried first on the next attempt. */
  #current = 0;
  /** Which brokers refused TCP connections when last tried or probed. */
  readonly #down: boolean[];
  readonly #logger: Logger;
  readonly #consumers = new Set<AmqpConsumer>();
  readonly #listeners = new Set<(status: TransportStatus) => void>();
  readonly #returnListeners = new Set<(message: ReturnedMessage) => void>();
  #status: TransportStatus = "connecting";
  #model: ChannelModel | undefined;
  readonly #confirmed = new PublisherSlot(
    async (model) => new ConfirmPublisher(await model.createConfirmChannel()),
  );
  readonly #unconfirmed = new PublisherSlot(
    async (model) =>
      new PlainPublisher(
        await model.createChannel(),
        (m) => this.#onReturned(m),
        (err) =>
          this.#logger.warn(
            { err: err.message },
            "the broker closed the channel of unconfirmed (transient) publishes: messages written after the one it refused are lost",
          ),
      ),
  );
  #connected = deferred();
  #everConnected = deferred();
  #closing = false;
  #wake: (() => void) | undefined;
  #getter: MessageGetter | undefined;
  #getterModel: ChannelModel | undefined;

  constructor(options: AmqpTransportOptions) {
    this.#options = options;
    const addresses = parseBrokerUris(options.uri);
    const uris = splitBrokerUris(options.uri);
    this.#brokers = addresses.map((address, i) => ({
      address,
      description: describe(uris[i] as string, address),
    }));
    this.#down = addresses.map(() => false);
    this.description = maskUri(options.uri);
    this.#logger = (options.logger ?? createLogger()).child({ broker: this.description });
    if (!decoderInstalled) {
      this.#logger.warn(
        "amqplib was loaded before Enoki: 64-bit integer headers from Python will drop the connection",
      );
    }
    void this.#connectLoop();
  }

  /** Creates a transport and waits until it is connected. */
  static async connect(options: AmqpTransportOptions): Promise<AmqpTransport> {
    const transport = new AmqpTransport(options);
    await transport.ready();
    return transport;
  }

  get status(): TransportStatus {
    return this.#status;
  }

  ready(): Promise<void> {
    return this.#everConnected.promise;
  }

  /** The broker connected to (its URI, password masked); `undefined` while not connected. */
  get broker(): string | undefined {
    return this.#status === "connected" ? this.#brokers[this.#current]?.description : undefined;
  }

  onStatus(listener: (status: TransportStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onReturn(listener: (message: ReturnedMessage) => void): () => void {
    this.#returnListeners.add(listener);
    return () => this.#returnListeners.delete(listener);
  }

  async declareExchange(spec: ExchangeSpec): Promise<void> {
    if (spec.declare === false) return;
    const model = await this.#model_();
    const channel = await model.createChannel();
    channel.on("error", () => undefined);
    try {
      await channel.assertExchange(spec.name, spec.type, {
        durable: spec.durable,
        autoDelete: spec.autoDelete,
      });
    } finally {
      await settleWithin(channel.close(), CLOSE_TIMEOUT_MS);
    }
  }

  async declareQueue(queue: QueueSpec, bindings: readonly BindingSpec[] = []): Promise<void> {
    await declareQueueOn(await this.#model_(), queue, bindings);
  }

  async inspectQueue(name: string): Promise<QueueStatus | undefined> {
    return inspectQueueOn(await this.#model_(), name);
  }

  /** Takes a message on a channel kept for `basic.get` (one per connection). */
  async getMessage(queue: string): Promise<Delivery | undefined> {
    const model = await this.#model_();
    if (this.#getter === undefined || this.#getterModel !== model) {
      this.#getter = new MessageGetter(model);
      this.#getterModel = model;
    }
    return this.#getter.get(queue);
  }

  async purgeQueue(name: string): Promise<number> {
    return purgeQueueOn(await this.#model_(), name);
  }

  async consume(spec: ConsumerSpec): Promise<Consumer> {
    const consumer = new AmqpConsumer(
      spec,
      this.#logger,
      (c) => this.#consumers.delete(c),
      (model) => this.#model === model,
    );
    const model = await this.#model_();
    try {
      await consumer.open(model);
    } catch (err) {
      // Otherwise its channel's close would make it retry (and report failure) every second.
      await consumer.close();
      throw err;
    }
    this.#consumers.add(consumer);
    return consumer;
  }

  /**
   * Publishes with confirms, or (`confirm: false`) without, on a plain channel of its own. A
   * message whose confirm was lost with the connection is published again once reconnected (up
   * to 3 times, as kombu's publisher retries for Nameko): it may then reach the broker twice,
   * which at-least-once delivery allows (a second reply is dropped by its caller; a second request
   * runs twice, like any redelivery). An unconfirmed message is published again only when it
   * could not be written at all.
   */
  async publish(message: OutgoingMessage): Promise<void> {
    const slot: PublisherSlot<ConfirmPublisher | PlainPublisher> =
      message.confirm === false ? this.#unconfirmed : this.#confirmed;
    for (let attempt = 1; ; attempt++) {
      const publisher = slot.ready ?? (await this.#waitForPublisher(slot));
      try {
        return await publisher.publish(message);
      } catch (err) {
        if (!(err instanceof ConnectionLost) || this.#closing || attempt >= PUBLISH_ATTEMPTS) throw err;
        this.#logger.debug(
          { exchange: message.exchange, routingKey: message.routingKey, attempt },
          "publishing again",
        );
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#wake?.();
    const model = this.#model;
    this.#model = undefined;
    await Promise.all([...this.#consumers].map((c) => c.close()));
    await this.#getter?.close();
    await this.#confirmed.close();
    await this.#unconfirmed.close();
    if (model !== undefined) await closeModel(model);
    this.#setStatus("closed");
    this.#connected.reject(new ConnectionLost("The transport was closed"));
    // A close before the first connection ends the wait for it (a runner still starting).
    this.#everConnected.reject(new ConnectionLost("The transport was closed before it connected"));
  }

  async #model_(): Promise<ChannelModel> {
    if (this.#model !== undefined) return this.#model;
    await this.#connected.promise;
    if (this.#model === undefined) throw new ConnectionLost();
    return this.#model;
  }

  async #waitForPublisher<P extends SlotPublisher>(slot: PublisherSlot<P>): Promise<P> {
    const timeoutMs = this.#options.publishTimeoutMs ?? 30_000;
    const notConnected = () =>
      new ConnectionLost(`Not connected to ${this.description} within ${timeoutMs} ms`);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      await within(this.#connected.promise, Math.max(0, deadline - Date.now()), notConnected);
      // `#connected` stays resolved after close(): without this the loop would spin forever.
      if (this.#closing) throw new ConnectionLost("The transport was closed");
      const publisher = slot.ready;
      if (publisher !== undefined) return publisher;
      // Connected but the publishing channel died (or was never needed yet): open one on the
      // same connection, once for all the publishes waiting.
      const model = this.#model;
      if (model !== undefined) return await slot.openOn(model);
    }
  }

  /**
   * Connects, trying every broker in turn from the current one (the one last connected to, as
   * kombu keeps its host until an attempt fails), with no wait between brokers; after a round
   * in which all failed, waits with backoff and starts the next round. A broker that begins
   * accepting connections during the wait ends it: the next round starts there, and its backoff
   * starts again from the first delay (a broker still booting may refuse its vhosts a moment).
   */
  async #connectLoop(): Promise<void> {
    for (let round = 1; !this.#closing; round++) {
      for (let tried = 0; tried < this.#brokers.length && !this.#closing; tried++) {
        const broker = this.#brokers[this.#current] as Broker;
        try {
          await this.#connectOnce(broker);
          this.#down[this.#current] = false;
          return;
        } catch (err) {
          if (this.#closing) return;
          const failure = connectFailure(err, broker.address);
          this.#down[this.#current] = failure.unreachable;
          const last = tried === this.#brokers.length - 1;
          const delayMs = last ? backoffDelay(round, this.#options.backoff) : 0;
          this.#current = (this.#current + 1) % this.#brokers.length;
          const next = last
            ? `retrying in ${(delayMs / 1000).toFixed(1)} s`
            : `trying ${(this.#brokers[this.#current] as Broker).description}`;
          this.#logFailure(broker, failure, round, delayMs, next);
          if (last && (await this.#backOff(delayMs))) round = 0;
        }
      }
    }
  }

  #logFailure(broker: Broker, failure: ConnectFailure, round: number, delayMs: number, next: string): void {
    // A refusal is retried too (a broker still booting refuses its vhosts for a moment, and
    // an operator may create them later), but it is an error the user has to act on.
    const what = failure.refused ? `refused the connection: ${failure.reason}` : "not reachable";
    this.#logger[failure.refused ? "error" : "warn"](
      { attempt: round, retryInMs: delayMs, err: failure.reason },
      `broker ${broker.description} ${what}; ${next}`,
    );
  }

  /**
   * Waits `delayMs`, or less: until close(), or until a broker that refused connections accepts
   * them again (then it is the one tried next, and this resolves true).
   */
  async #backOff(delayMs: number): Promise<boolean> {
    const stop = new AbortController();
    this.#wake = () => stop.abort();
    const timer = setTimeout(() => stop.abort(), delayMs);
    const intervalMs = this.#options.backoff?.probeIntervalMs ?? PROBE_INTERVAL_MS;
    try {
      if (intervalMs <= 0 || !this.#down.includes(true)) {
        await new Promise((resolve) => stop.signal.addEventListener("abort", resolve, { once: true }));
        return false;
      }
      const addresses = this.#brokers.map((b) => b.address);
      const back = await brokerComingBack(addresses, this.#down, intervalMs, stop.signal);
      if (back === undefined || this.#closing) return false;
      this.#current = back;
      this.#logger.info(`broker ${(this.#brokers[back] as Broker).description} accepts connections again`);
      return true;
    } finally {
      clearTimeout(timer);
      stop.abort();
      this.#wake = undefined;
    }
  }

  async #connectOnce(broker: Broker): Promise<void> {
    const { tls, heartbeat = 60, connectionName } = this.#options;
    const { address } = broker;
    const model = await amqplib.connect(
      { ...address, heartbeat: address.heartbeat ?? heartbeat },
      {
        noDelay: true,
        // A broker that accepts TCP but never answers must not stall the connect loop.
        timeout: CONNECT_TIMEOUT_MS,
        clientProperties: { connection_name: connectionName ?? "enoki" },
        ...tls,
      },
    );
    model.on("error", (err: Error) => this.#logger.warn({ err: err.message }, "connection error"));
    model.on("blocked", (reason: string) => this.#logger.warn({ reason }, "broker blocked publishing"));
    model.on("unblocked", () => this.#logger.info("broker unblocked publishing"));
    coalesceWrites(model);
    try {
      await this.#confirmed.openOn(model);
    } catch (err) {
      await closeModel(model);
      throw err;
    }
    if (this.#closing) {
      await closeModel(model);
      return;
    }
    this.#model = model;
    model.once("close", (err?: Error) => this.#onClose(model, err));
    // Let waiting publishes (replies of work that finished while disconnected) go out first,
    // before redelivered messages start new work.
    this.#connected.resolve();
    await Promise.all([...this.#consumers].filter((c) => c.active).map((c) => this.#reopen(c, model)));
    // The connection may have gone again while consumers re-opened: the next attempt takes over.
    if (this.#model !== model) return;
    this.#setStatus("connected");
    this.#logger.info(`connected to ${broker.description}`);
    this.#everConnected.resolve();
  }

  async #reopen(consumer: AmqpConsumer, model: ChannelModel): Promise<void> {
    try {
      await within(
        consumer.open(model),
        CONNECT_TIMEOUT_MS,
        () => new Error("timed out re-opening the consumer"),
      );
    } catch (err) {
      if (this.#model !== model) return; // the connection went again; the next one retries
      this.#logger.error(
        { err: (err as Error).message, queue: consumer.spec.queue.name },
        "could not resume consuming",
      );
      consumer.spec.onFailure?.(err as Error);
    }
  }

  #onClose(model: ChannelModel, err: Error | undefined): void {
    if (this.#model !== model) return;
    this.#model = undefined;
    this.#confirmed.forget();
    this.#unconfirmed.forget();
    for (const consumer of this.#consumers) consumer.detach();
    if (this.#closing) return;
    this.#connected = deferred();
    this.#setStatus("disconnected");
    this.#logger.warn({ err: err?.message }, "connection to the broker lost; reconnecting");
    void this.#connectLoop();
  }

  #onReturned(message: ReturnedMessage): void {
    for (const listener of this.#returnListeners) listener(message);
  }

  #setStatus(status: TransportStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    for (const listener of this.#listeners) listener(status);
  }
}

/** One broker of the list: where to connect, and how to name it in logs. */
interface Broker {
  readonly address: BrokerAddress;
  /** Its URI, password masked. */
  readonly description: string;
}

/**
 * A broker's URI for logs, password masked, naming what it took from the URI before it in the
 * list (kombu's rule): `amqp://b` after `amqp://a:5673/shop` is `b:5673`, vhost `shop`, and a log
 * that showed only `amqp://b` would hide why it is not reached on 5672.
 */
function describe(uri: string, address: BrokerAddress): string {
  const own = parseBrokerUri(uri);
  const taken = [
    own.port === address.port ? undefined : `port ${address.port}`,
    own.vhost === address.vhost ? undefined : `vhost "${address.vhost}"`,
  ].filter((t) => t !== undefined);
  const masked = maskUri(uri);
  return taken.length === 0 ? masked : `${masked} (${taken.join(", ")} from the URI before it)`;
}

/** How often brokers that refused connections are probed while backing off. */
const PROBE_INTERVAL_MS = 250;

/** Publishes of one message lost with a connection before it is given up. */
const PUBLISH_ATTEMPTS = 3;

/** How long one connection attempt (or re-opening a consumer on it) may take. */
const CONNECT_TIMEOUT_MS = 10_000;

/** Closes a connection; if the broker does not answer in time, drops the socket. */
async function closeModel(model: ChannelModel): Promise<void> {
  await settleWithin(model.close(), CLOSE_TIMEOUT_MS);
  const socket = (model.connection as unknown as { stream?: { destroy?: () => void } }).stream;
  socket?.destroy?.();
}

/**
 * Exponential backoff with jitter, never above `maxDelayMs`: the delay is drawn from
 * `base ± jitter` (base = initial × factor^(attempt-1), at most `maxDelayMs`), and the part of
 * that range above the cap is cut off, so at the cap the delays spread below it (3.5 to 5 s by
 * default) rather than around it.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random = Math.random): number {
  const { initialDelayMs = 200, maxDelayMs = 5_000, factor = 2, jitter = 0.3 } = options;
  const base = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
  const low = base * (1 - jitter);
  const high = Math.min(maxDelayMs, base * (1 + jitter));
  return Math.max(0, Math.round(low + (high - low) * random()));
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

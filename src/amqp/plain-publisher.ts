/**
 * Publishing without confirms, on a plain channel of its own: a publish resolves once amqplib has
 * written the message to the connection. For transient messages (`confirm: false`), which the
 * broker would not keep anyway: a confirm is the single dearest thing a call asks of the broker.
 *
 * A mandatory message the broker returns cannot reject a publish that has resolved already: it is
 * handed to `onReturn` (the transport's listeners), who tell by its correlation id whose it was.
 */
import type { Channel, Message } from "amqplib";
import { ConnectionLost } from "../transport/errors.js";
import type { OutgoingMessage, ReturnedMessage } from "../transport/transport.js";
import { settleWithin } from "../util/within.js";
import { CLOSE_TIMEOUT_MS } from "./amqp-consumer.js";
import { canSendFrames, publishOptions, sendFrame, untilDrained } from "./publish-frame.js";

/** A plain channel that publishes without confirms. */
export class PlainPublisher {
  readonly #channel: Channel;
  #drained: Promise<void> | undefined;
  #closed: Error | undefined;

  /**
   * @param onError - told when the broker closes the channel with an error: the messages written
   *   after the one it refused are discarded with it, and their publishes have resolved already,
   *   so this is the only trace of them (their callers see timeouts).
   */
  constructor(
    channel: Channel,
    onReturn: (message: ReturnedMessage) => void,
    onError: (err: Error) => void = () => {},
  ) {
    this.#channel = channel;
    channel.on("return", (msg: Message) => onReturn(returned(msg)));
    channel.on("close", () => {
      this.#closed ??= new ConnectionLost("The publishing channel closed");
    });
    // Errors arrive with the close; amqplib also emits them, and an unheard 'error' would throw.
    channel.on("error", (err: Error) => {
      this.#closed = new ConnectionLost(`The publishing channel closed: ${err.message}`, { cause: err });
      onError(err);
    });
  }

  /** Whether the channel can still publish. */
  get open(): boolean {
    return this.#closed === undefined;
  }

  /**
   * Writes one message. Resolves once amqplib has taken it for the socket; rejects with
   * `ConnectionLost` when the channel is closed (nothing was written: publishing it again on the
   * next connection cannot send it twice).
   */
  async publish(message: OutgoingMessage): Promise<void> {
    if (this.#drained !== undefined) await this.#drained;
    if (this.#closed !== undefined) throw this.#closed;
    let writable: boolean;
    try {
      writable = this.#send(message);
    } catch (err) {
      throw this.#closed ?? new ConnectionLost("The publishing channel closed", { cause: err });
    }
    // amqplib buffered it anyway; hold further publishes until the socket drains.
    if (!writable && this.#drained === undefined) {
      this.#drained = untilDrained(this.#channel).then(() => {
        this.#drained = undefined;
      });
    }
  }

  /** Closes the channel. */
  async close(): Promise<void> {
    if (this.#closed !== undefined) return;
    this.#closed = new ConnectionLost("The publishing channel was closed");
    await settleWithin(this.#channel.close(), CLOSE_TIMEOUT_MS);
  }

  #send(message: OutgoingMessage): boolean {
    const channel = this.#channel;
    if (canSendFrames(channel)) return sendFrame(channel, message);
    const { exchange, routingKey, body } = message;
    return channel.publish(exchange, routingKey, body, publishOptions(message));
  }
}

function returned(msg: Message): ReturnedMessage {
  const { exchange, routingKey } = msg.fields;
  return { exchange, routingKey, properties: msg.properties };
}

/**
 * A transport that holds chosen publishes until the test lets them go (or fails them), to look
 * at what the sender has (not) done while its message is in flight: a service's RPC reply held
 * between the worker's end and the broker's confirm, for example.
 */
import type { OutgoingMessage, Transport } from "../../src/transport/transport.js";

/** One publish the transport is holding. */
export interface HeldPublish {
  readonly message: OutgoingMessage;
  /** Publishes the message for real and settles the sender's publish as the broker does. */
  release(): Promise<void>;
  /** Fails the sender's publish with `error`; the message never reaches the broker. */
  fail(error: Error): void;
}

export interface HoldingTransport extends Transport {
  /** The next publish held (one already held and not yet taken, or the next to come). */
  nextHeld(timeoutMs?: number): Promise<HeldPublish>;
  /** Publishes that went through to the broker (held ones once released, and the others). */
  readonly published: OutgoingMessage[];
}

/**
 * Wraps `inner`: publishes for which `hold(message)` is true wait for the test; everything else
 * goes straight through. Closing the wrapper closes `inner`.
 */
export function holdingTransport(
  inner: Transport,
  hold: (message: OutgoingMessage) => boolean,
): HoldingTransport {
  const waiting: HeldPublish[] = [];
  const takers: Array<(held: HeldPublish) => void> = [];
  const published: OutgoingMessage[] = [];
  const send = async (message: OutgoingMessage) => {
    await inner.publish(message);
    published.push(message);
  };
  return {
    get description() {
      return inner.description;
    },
    get status() {
      return inner.status;
    },
    ready: () => inner.ready(),
    declareExchange: (spec) => inner.declareExchange(spec),
    declareQueue: (queue, bindings) => inner.declareQueue(queue, bindings),
    inspectQueue: (name) => inner.inspectQueue(name),
    getMessage: (queue) => inner.getMessage(queue),
    purgeQueue: (name) => inner.purgeQueue(name),
    consume: (spec) => inner.consume(spec),
    onStatus: (listener) => inner.onStatus(listener),
    onReturn: (listener) => inner.onReturn?.(listener) ?? (() => undefined),
    close: () => inner.close(),
    published,
    publish(message) {
      if (!hold(message)) return send(message);
      return new Promise<void>((resolve, reject) => {
        const held: HeldPublish = {
          message,
          release: () => send(message).then(resolve, (err: Error) => reject(err)),
          fail: (error) => reject(error),
        };
        const taker = takers.shift();
        if (taker) taker(held);
        else waiting.push(held);
      });
    },
    nextHeld(timeoutMs = 5000) {
      const ready = waiting.shift();
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const taker = (held: HeldPublish) => {
          clearTimeout(timer);
          resolve(held);
        };
        const timer = setTimeout(() => {
          takers.splice(takers.indexOf(taker), 1);
          reject(new Error(`no publish was held within ${timeoutMs} ms`));
        }, timeoutMs);
        takers.push(taker);
      });
    },
  };
}

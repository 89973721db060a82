/**
 * Acknowledgements sent in batches: all the acks of one event-loop turn go out together, and the
 * longest run of settled deliveries at the front of the channel's window goes as one `multiple`
 * ack. The broker processes one frame instead of many, and it is the broker's CPU that bounds RPC
 * throughput on a small machine. Acks that do not extend that run (a later delivery finished
 * before an earlier one) go out one by one in the same turn, so no delivery waits for another.
 * Rejections go out at once.
 */
import type { Channel, Message } from "amqplib";

export class AckBatcher {
  readonly #channel: Channel;
  /** Delivery tags not yet settled with the broker, in delivery order. */
  #outstanding: number[] = [];
  /** Tags acknowledged by their handlers, not yet sent. */
  readonly #acked = new Set<number>();
  /** Tags already rejected (settled with the broker), still in `#outstanding`. */
  readonly #rejected = new Set<number>();
  #scheduled = false;

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  /** Deliveries not yet settled with the broker. */
  get outstanding(): number {
    return this.#outstanding.length;
  }

  delivered(tag: number): void {
    this.#outstanding.push(tag);
  }

  ack(tag: number): void {
    this.#acked.add(tag);
    this.#schedule();
  }

  reject(tag: number, requeue: boolean): void {
    this.#channel.reject(tagged(tag), requeue);
    this.#rejected.add(tag);
    this.#schedule(); // to forget it, even on a queue that only ever rejects
  }

  /** Sends the acks collected so far. On a channel that has closed, the broker requeued them. */
  flush(): void {
    this.#scheduled = false;
    if (this.#acked.size === 0 && this.#rejected.size === 0) return;
    try {
      this.#send();
    } catch {
      // the channel is gone, and with it every unacknowledged delivery
    }
    this.#acked.clear();
    this.#rejected.clear();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  #send(): void {
    let settledRun = 0;
    let lastAcked = -1;
    for (const tag of this.#outstanding) {
      if (this.#acked.has(tag)) {
        this.#acked.delete(tag);
        lastAcked = tag;
      } else if (this.#rejected.has(tag)) {
        this.#rejected.delete(tag);
      } else break;
      settledRun++;
    }
    this.#outstanding = this.#outstanding.slice(settledRun);
    if (lastAcked !== -1) this.#channel.ack(tagged(lastAcked), true);
    for (const tag of this.#acked) this.#channel.ack(tagged(tag), false);
    if (this.#acked.size > 0 || this.#rejected.size > 0) {
      this.#outstanding = this.#outstanding.filter(
        (tag) => !this.#acked.has(tag) && !this.#rejected.has(tag),
      );
    }
  }
}

// amqplib reads nothing but the delivery tag of the message it is given to settle.
function tagged(deliveryTag: number): Message {
  return { fields: { deliveryTag } } as Message;
}

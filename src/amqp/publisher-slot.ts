/**
 * One publishing channel of the transport's connection (the confirm channel, or the plain one for
 * unconfirmed messages): the one open now, and the opening of the next once it closes, shared by
 * every publish waiting for it so that one channel is opened, not one per publish.
 */
import type { ChannelModel } from "amqplib";

/** What the slot needs to know of a publisher. */
export interface SlotPublisher {
  readonly open: boolean;
  close(): Promise<void>;
}

/** A publishing channel, opened on demand and again after it closes. */
export class PublisherSlot<P extends SlotPublisher> {
  /** The publisher opened last (it may have closed since: check `open`). */
  current: P | undefined;
  readonly #create: (model: ChannelModel) => Promise<P>;
  #opening: { readonly model: ChannelModel; readonly publisher: Promise<P> } | undefined;

  constructor(create: (model: ChannelModel) => Promise<P>) {
    this.#create = create;
  }

  /** The open publisher, if there is one (the hot path: no promise). */
  get ready(): P | undefined {
    const current = this.current;
    return current?.open ? current : undefined;
  }

  /**
   * Opens a publisher on `model`, once for all the publishes asking meanwhile. An opening still
   * under way on another connection (one that has gone since) is not shared: joining it would fail
   * the new connection's first publish, or hand it a channel of the old one.
   */
  openOn(model: ChannelModel): Promise<P> {
    if (this.#opening?.model === model) return this.#opening.publisher;
    const opening = {
      model,
      publisher: this.#create(model).then((publisher) => {
        // A later opening (on a newer connection) owns the slot now.
        if (this.#opening === opening) this.current = publisher;
        return publisher;
      }),
    };
    this.#opening = opening;
    const done = () => {
      if (this.#opening === opening) this.#opening = undefined;
    };
    opening.publisher.then(done, done);
    return opening.publisher;
  }

  /** Forgets the publisher of a connection that is gone, and any opening under way on it. */
  forget(): void {
    this.current = undefined;
    this.#opening = undefined;
  }

  /** Closes the publisher, if any. */
  async close(): Promise<void> {
    await this.current?.close();
  }
}

/**
 * The one place where the headers of an outgoing message are made: the worker's `nameko.*`
 * context headers, then what extensions add (a trace context, for example). RPC proxies, event
 * dispatchers, publishers and standalone clients all go through it.
 */

/** What is being sent, for those who add headers to it. */
export interface OutgoingMessage {
  /** `rpc` for a call, `event` for a dispatched event, `message` for a `publisher()` message. */
  readonly kind: "rpc" | "event" | "message";
  /** `<service>.<method>` for a call, `<source>.<event type>` for an event, the exchange otherwise. */
  readonly target: string;
}

/**
 * Adds headers to an outgoing message, writing into `headers` (which already holds the context
 * headers). Called once per message, synchronously; a throw fails that send with the error.
 */
export type HeaderContributor = (headers: Record<string, unknown>, message: OutgoingMessage) => void;

/** The contributors of one container or standalone client. */
export class OutgoingHeaders {
  readonly #contributors = new Set<HeaderContributor>();

  /** Adds a contributor; returns a function that removes it. */
  add(contributor: HeaderContributor): () => void {
    this.#contributors.add(contributor);
    return () => {
      this.#contributors.delete(contributor);
    };
  }

  /**
   * The headers for one message: `base` as it is when nobody contributes (no copy on the hot
   * path), else a copy with every contribution.
   */
  make(base: Readonly<Record<string, unknown>>, message: OutgoingMessage): Readonly<Record<string, unknown>> {
    if (this.#contributors.size === 0) return base;
    const headers = { ...base };
    for (const contribute of this.#contributors) contribute(headers, message);
    return headers;
  }
}

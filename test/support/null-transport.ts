/** A transport that does nothing, for unit tests of the container that need no messaging. */
import type { Transport } from "../../src/transport/transport.js";

export const nullTransport: Transport = {
  description: "null://",
  status: "connected",
  ready: async () => undefined,
  declareExchange: async () => undefined,
  declareQueue: async () => undefined,
  inspectQueue: async () => undefined,
  getMessage: async () => undefined,
  purgeQueue: async () => 0,
  consume: async () => ({ cancel: async () => undefined, close: async () => undefined }),
  publish: async () => undefined,
  onStatus: () => () => undefined,
  close: async () => undefined,
};

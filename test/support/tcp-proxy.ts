/**
 * A TCP proxy in the test process, in front of the shared RabbitMQ: stopping it is a broker node
 * going away (connections reset, new ones refused) and starting it again is the node coming
 * back, on the same port, without touching the broker other tests use.
 */
import { type AddressInfo, createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

export interface TcpProxy {
  /** The port it listens on (kept across stop and start). */
  readonly port: number;
  /** Closes the listener and resets every connection through it. */
  stop(): Promise<void>;
  /** Listens again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Connections accepted so far. */
  readonly accepted: number;
}

/** Starts a proxy to `target` (default the local RabbitMQ) on a free port of 127.0.0.1. */
export async function startTcpProxy(target = { host: "127.0.0.1", port: 5672 }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    const s = createServer((client) => {
      accepted++;
      const upstream = tcpConnect(target);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => resolve());
    });
    port = (s.address() as AddressInfo).port;
    server = s;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    async stop() {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.resetAndDestroy();
      if (s !== undefined) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      if (server === undefined) await listen();
    },
  };
}

/** A port on 127.0.0.1 that nothing listens on (taken, then released). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", () => resolve()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

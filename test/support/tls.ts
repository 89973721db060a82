/**
 * TLS for tests: a throw-away CA with server and client certificates (made with openssl), and a
 * TLS-terminating proxy in front of the local RabbitMQ, so `amqps://` can be tested end to end
 * without reconfiguring the broker.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";

export interface TestPki {
  dir: string;
  path(name: "ca.pem" | "server.pem" | "server.key" | "client.pem" | "client.key" | "other-ca.pem"): string;
  remove(): void;
}

/** Makes a CA, a server certificate for localhost, a client certificate, and an unrelated CA. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "enoki-tls-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
  const ca = (name: string) =>
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
    );
  const leaf = (name: string, cn: string, ext: string) => {
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${cn}`,
    );
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    );
  };
  ca("ca");
  ca("other-ca");
  leaf("server", "localhost", "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n");
  leaf("client", "enoki-test-client", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    path: (name) => join(dir, name),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A TLS server that requires a client certificate signed by the test CA, forwarding to RabbitMQ. */
export async function tlsProxy(pki: TestPki): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(
    {
      key: readFileSync(pki.path("server.key")),
      cert: readFileSync(pki.path("server.pem")),
      ca: readFileSync(pki.path("ca.pem")),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (client) => {
      const broker = netConnect(5672, "127.0.0.1");
      client.pipe(broker).pipe(client);
      const end = () => {
        client.destroy();
        broker.destroy();
      };
      client.on("error", end).on("close", end);
      broker.on("error", end).on("close", end);
    },
  );
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // close() waits for open connections; clients are closed by the tests first
      }),
  };
}

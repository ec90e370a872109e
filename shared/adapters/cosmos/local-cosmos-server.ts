import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalCosmosServer {
  endpoint: string;
  key: string;
  close(): Promise<void>;
}

/**
 * Starts the Cosmos-compatible server in-process over plain http on a free loopback port.
 * Plain http avoids its expired bundled certificate without weakening TLS anywhere.
 */
export async function startLocalCosmosServer(): Promise<LocalCosmosServer> {
  const { createHttpServer } = await import('@vercel/cosmosdb-server');
  // keepAlive: the server otherwise closes every connection after one response.
  const server: Server = createHttpServer({ keepAlive: true } as Parameters<typeof createHttpServer>[0]);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // The server accepts any key; a fresh random one keeps a real-looking value out of code.
    key: randomBytes(64).toString('base64'),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

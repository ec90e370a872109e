import net from 'node:net';
import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { startLazyLocalAzurite } from './local-azurite';

// Azurite's well-known development account (public, documented by Microsoft).
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('Azurite started on first use (local host)', () => {
  it('holds the port without starting Azurite, then serves blobs through it from the first connection', async () => {
    const port = await freePort();
    const azurite = await startLazyLocalAzurite({ blobPort: port });
    try {
      expect(azurite.started()).toBe(false);
      const blobs = BlobServiceClient.fromConnectionString(
        `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
      );
      const container = blobs.getContainerClient('web');
      await container.createIfNotExists();
      expect(azurite.started()).toBe(true);
      await container.getBlockBlobClient('index.html').upload('<h1>shop</h1>', 13);
      const downloaded = await container.getBlobClient('index.html').downloadToBuffer();
      expect(downloaded.toString()).toBe('<h1>shop</h1>');
    } finally {
      await azurite.close();
    }
  }, 60_000);

  it('refuses a port that is already taken, at start', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
    const { port } = holder.address() as net.AddressInfo;
    try {
      await expect(startLazyLocalAzurite({ blobPort: port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

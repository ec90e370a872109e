/**
 * Azurite's blob service in-process (deep import: the package root needs VS Code), on the
 * port `UseDevelopmentStorage=true` points at. Memory persistence: locally, storage holds
 * only what a deploy rehearsal uploads.
 */
export async function startLocalAzurite(options: {
  blobPort: number;
}): Promise<{ port: number; close(): Promise<void> }> {
  const { default: BlobConfiguration } = await import('azurite/dist/src/blob/BlobConfiguration.js');
  const { default: BlobServer } = await import('azurite/dist/src/blob/BlobServer.js');
  const configuration = new BlobConfiguration(
    '127.0.0.1',
    options.blobPort,
    undefined,
    undefined,
    undefined,
    undefined,
    false, // access log
    undefined,
    false, // debug log
    undefined,
    false, // loose
    true, // skipApiVersionCheck: current SDKs are newer than Azurite's API version
    '',
    '',
    '',
    undefined,
    false,
    true, // in-memory persistence
  );
  const server = new BlobServer(configuration);
  await server.start();
  return {
    port: Number(new URL(server.getHttpServerAddress()).port),
    close: async () => {
      await server.close();
      await server.clean();
    },
  };
}

export interface LazyAzurite {
  /** True once a client connected and Azurite was started for it. */
  started(): boolean;
  close(): Promise<void>;
}

/**
 * Holds Azurite's blob port with a loopback TCP forwarder and starts Azurite (in-process, on a
 * free port) at the first connection. Why: nothing `npm start` runs stores blobs (a deploy
 * rehearsal, `npm run deploy:web`, or Core Tools do), and loading Azurite cost a start ~0.7 s on
 * a quiet machine (14% of a loaded start's CPU profile), its memory, and the require hooks its
 * applicationinsights telemetry module installs for the whole process. A taken port still
 * fails here, at start, as before.
 */
export async function startLazyLocalAzurite(options: { blobPort: number }): Promise<LazyAzurite> {
  const net = await import('node:net');
  let azurite: Promise<{ port: number; close(): Promise<void> }> | undefined;
  const sockets = new Set<import('node:net').Socket>();
  const track = (socket: import('node:net').Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    track(client);
    client.on('error', () => client.destroy());
    if (!azurite) {
      azurite = startLocalAzurite({ blobPort: 0 });
      azurite.catch(() => {
        azurite = undefined; // the next connection tries again
      });
    }
    azurite.then(
      ({ port }) => {
        const upstream = net.connect(port, '127.0.0.1');
        track(upstream);
        upstream.on('error', () => client.destroy());
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream).pipe(client);
      },
      () => client.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.blobPort, '127.0.0.1', () => resolve());
  });
  return {
    started: () => azurite !== undefined,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const running = await azurite?.catch(() => undefined);
      await running?.close();
    },
  };
}

export async function pingBlobStorage(connectionString: string): Promise<void> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(connectionString).getProperties();
}

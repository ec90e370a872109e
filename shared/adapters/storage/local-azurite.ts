/**
 * Azurite's blob service in-process (deep import: the package root needs VS Code), on the
 * port `UseDevelopmentStorage=true` points at. Memory persistence: locally, storage holds
 * only what a deploy rehearsal uploads.
 */
export async function startLocalAzurite(options: { blobPort: number }): Promise<{ close(): Promise<void> }> {
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
    close: async () => {
      await server.close();
      await server.clean();
    },
  };
}

export async function pingBlobStorage(connectionString: string): Promise<void> {
  const { BlobServiceClient } = await import('@azure/storage-blob');
  await BlobServiceClient.fromConnectionString(connectionString).getProperties();
}

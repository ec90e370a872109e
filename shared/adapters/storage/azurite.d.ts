// Azurite ships JavaScript without declarations for its deep modules.
declare module 'azurite/dist/src/blob/BlobConfiguration.js' {
  const BlobConfiguration: new (...args: unknown[]) => object;
  export default BlobConfiguration;
}
declare module 'azurite/dist/src/blob/BlobServer.js' {
  const BlobServer: new (
    configuration: object,
  ) => {
    start(): Promise<void>;
    close(): Promise<void>;
    clean(): Promise<void>;
    getHttpServerAddress(): string;
  };
  export default BlobServer;
}

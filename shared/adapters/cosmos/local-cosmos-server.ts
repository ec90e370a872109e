import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalCosmosServer {
  endpoint: string;
  key: string;
  /**
   * Upserts documents straight into the server's memory, as its upsert route does, without a
   * request per document: the local host loads its whole catalogue this way at every start.
   * The database and container must exist (created through the client first).
   */
  load(database: string, container: string, documents: ReadonlyArray<{ id: string }>): void;
  close(): Promise<void>;
}

type Handler = (account: unknown, req: IncomingMessage, res: ServerResponse, params: unknown) => unknown;

/**
 * Starts the Cosmos-compatible server (`@vercel/cosmosdb-server` 1.0.1) in-process over plain
 * http on a free loopback port. Plain http avoids its expired bundled certificate without
 * weakening TLS anywhere. The request handler is the package's own (lib/index.js,
 * generateRequestHandler with keepAlive), rebuilt here only to keep hold of the in-memory
 * account, which the package's createHttpServer hides: loading 2,400 products through it
 * takes milliseconds instead of 2,400 HTTP requests (2.5 s on a quiet machine).
 */
export async function startLocalCosmosServer(): Promise<LocalCosmosServer> {
  const { default: Account } = await import('@vercel/cosmosdb-server/lib/account/index.js');
  const { default: route } = (await import('@vercel/cosmosdb-server/lib/routes.js')) as unknown as {
    default: (req: IncomingMessage) => [unknown, Handler] | undefined;
  };
  let account: InstanceType<typeof Account> | undefined;
  // keepAlive as the package's createHttpServer was given it (TCP keep-alive on sockets).
  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    void respond(account, route, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  account = new Account('127.0.0.1', port);
  const memory = account;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // The server accepts any key; a fresh random one keeps a real-looking value out of code.
    key: randomBytes(64).toString('base64'),
    load(database, container, documents) {
      const collection = memory.database(database).collection(container);
      if (!collection.read()) throw new Error(`No container ${database}/${container} to load into.`);
      for (const document of documents) collection.documents.upsert(document);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The package's request handling (its generateRequestHandler, keepAlive on), unchanged in effect. */
async function respond(
  account: unknown,
  route: (req: IncomingMessage) => [unknown, Handler] | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const matched = route(req);
    let body: Record<string, unknown> | undefined;
    if (matched) {
      const [params, handler] = matched;
      try {
        body = (await handler(account, req, res, params)) as Record<string, unknown> | undefined;
      } catch (error) {
        console.error(error);
        body = { message: (error as Error).message };
        res.statusCode = 500;
      }
      if (res.statusCode > 399 && body && !body.message) body.message = '';
    } else {
      res.statusCode = 400;
      body = { message: 'no route' };
    }
    if (body?._etag) res.setHeader('etag', String(body._etag));
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-location', `https://${req.headers.host}${req.url}`);
    // keepAlive: the package's default closes every connection after one response.
    res.setHeader('connection', 'keep-alive');
    res.setHeader('x-ms-activity-id', randomUUID());
    res.setHeader('x-ms-request-charge', '1');
    if (req.headers['x-ms-documentdb-populatequerymetrics']) {
      res.setHeader(
        'x-ms-documentdb-query-metrics',
        'totalExecutionTimeInMs=0.00;queryCompileTimeInMs=0.00;queryLogicalPlanBuildTimeInMs=0.00;queryPhysicalPlanBuildTimeInMs=0.00;queryOptimizationTimeInMs=0.00;VMExecutionTimeInMs=0.00;indexLookupTimeInMs=0.00;documentLoadTimeInMs=0.00;systemFunctionExecuteTimeInMs=0.00;userFunctionExecuteTimeInMs=0.00;retrievedDocumentCount=0;retrievedDocumentSize=0;outputDocumentCount=1;outputDocumentSize=0;writeOutputTimeInMs=0.00;indexUtilizationRatio=0.00',
      );
    }
    if (req.headers['a-im'] && res.statusCode === 200) {
      if (req.headers['if-none-match']) res.statusCode = 304;
      res.setHeader('etag', '1');
    }
    res.end(JSON.stringify(body));
  } catch (error) {
    console.error(error);
    if (!res.writableEnded) {
      res.statusCode = 500;
      res.end('');
    }
  }
}

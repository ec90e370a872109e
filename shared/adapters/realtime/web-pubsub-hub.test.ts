import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebPubSubHub } from './web-pubsub-hub';

// Web PubSub cannot run here: the real SDK client talks to a loopback server that records
// what it sends. An access-key connection string (random key) keeps it off the network.
describe('Web PubSub hub (real SDK, fake service — Web PubSub cannot run here)', () => {
  const requests: Array<{ method: string; url: string; contentType: string; body: string; auth: string }> =
    [];
  let server: http.Server;
  let hub: WebPubSubHub;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          contentType: String(req.headers['content-type'] ?? ''),
          body,
          auth: String(req.headers.authorization ?? ''),
        });
        res.statusCode = 202;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    const key = randomBytes(32).toString('base64');
    const client = new WebPubSubServiceClient(
      `Endpoint=http://127.0.0.1:${port};AccessKey=${key};Version=1.0;`,
      'stock',
      {
        allowInsecureConnection: true,
      },
    );
    hub = new WebPubSubHub(client);
  });
  afterAll(() => {
    server.close();
  });

  it('negotiates a client URL whose token joins the product groups at connect', async () => {
    const negotiated = await hub.negotiate(['product:p-000001', 'product:p-000002']);
    expect(negotiated.transport).toBe('websocket');
    const url = new URL(negotiated.url);
    expect(url.pathname).toBe('/client/hubs/stock');
    const claims = decodeJwt(url.searchParams.get('access_token')!);
    expect(claims['webpubsub.group']).toEqual(['product:p-000001', 'product:p-000002']);
    expect(Number(claims.exp) - Math.floor(Date.now() / 1000)).toBeGreaterThan(50 * 60);
  });

  it('broadcasts a JSON message to the product group', async () => {
    await hub.broadcast('product:p-000001', {
      type: 'availability',
      productId: 'p-000001',
      available: 3,
      version: 9,
    });
    const sent = requests.at(-1)!;
    expect(sent.method).toBe('POST');
    expect(decodeURIComponent(sent.url)).toMatch(
      /^\/api\/hubs\/stock\/groups\/product:p-000001\/:send\?api-version=/,
    );
    expect(sent.contentType).toContain('application/json');
    expect(JSON.parse(sent.body)).toEqual({
      type: 'availability',
      productId: 'p-000001',
      available: 3,
      version: 9,
    });
    expect(sent.auth).toMatch(/^Bearer /);
  });
});

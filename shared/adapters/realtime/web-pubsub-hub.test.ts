import { randomBytes } from 'node:crypto';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordedRequest, startRecordingServer } from '../../../test/support/recording-http-server';
import { WebPubSubHub } from './web-pubsub-hub';

// Web PubSub cannot run here: the real SDK client talks to a loopback server that records
// what it sends. An access-key connection string (random key) keeps it off the network.
describe('Web PubSub hub (real SDK, fake service — Web PubSub cannot run here)', () => {
  let requests: RecordedRequest[] = [];
  let server: Awaited<ReturnType<typeof startRecordingServer>>;
  let hub: WebPubSubHub;
  beforeAll(async () => {
    server = await startRecordingServer(() => ({ status: 202 }));
    requests = server.requests;

    const key = randomBytes(32).toString('base64');
    const client = new WebPubSubServiceClient(
      `Endpoint=${server.url};AccessKey=${key};Version=1.0;`,
      'stock',
      {
        allowInsecureConnection: true,
      },
    );
    hub = new WebPubSubHub(client);
  });
  afterAll(() => server.close());

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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestShop, type TestShop } from '../../../test/support/test-shop';

let shop: TestShop;
const api = (path: string, init?: RequestInit) => fetch(`${shop.url}/api/${path}`, init);

beforeAll(async () => {
  shop = await startTestShop({ products: 45 });
});
afterAll(async () => {
  await shop?.close();
});

describe('local host over HTTP: catalogue', () => {
  it('pages through every product in stable id order with continuation tokens', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query = new URLSearchParams({ limit: '10', ...(token ? { continuationToken: token } : {}) });
      const response = await api(`products?${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toMatch(/^".+"$/);
      const page = (await response.json()) as {
        items: Array<{ id: string }>;
        continuationToken: string | null;
      };
      seen.push(...page.items.map((item) => item.id));
      token = page.continuationToken;
      pages++;
    } while (token && pages < 20);
    expect(pages).toBe(5);
    expect(seen).toEqual(shop.products.map((p) => p.id).sort());
  });

  it('filters by category and keeps the filter across pages', async () => {
    const first = (await (await api('products?category=books&limit=3')).json()) as {
      items: Array<{ category: string }>;
      continuationToken: string;
    };
    expect(first.items).toHaveLength(3);
    expect(first.items.every((item) => item.category === 'books')).toBe(true);
    const second = (await (
      await api(`products?category=books&limit=3&continuationToken=${first.continuationToken}`)
    ).json()) as { items: Array<{ category: string }> };
    expect(second.items.every((item) => item.category === 'books')).toBe(true);
    const wrongCategory = await api(`products?category=toys&continuationToken=${first.continuationToken}`);
    expect(wrongCategory.status).toBe(400);
  });

  it('rejects a bad limit or token with field errors as problem+json', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=2.5',
      'continuationToken=garbage',
      'category=cars',
    ]) {
      const response = await api(`products?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await response.json()) as { code: string; errors: Record<string, string[]> };
      expect(problem.code).toBe('validation_failed');
      expect(Object.keys(problem.errors).length).toBeGreaterThan(0);
    }
  });

  it('returns a product with every vendor attribute, its price and live availability', async () => {
    const book = shop.products.find((p) => p.category === 'books')!;
    const response = await api(`products/${book.id}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown> & { attributes: Record<string, unknown> };
    expect(body.attributes).toEqual(book.attributes);
    expect(body.attributes.isbn13).toMatch(/^97[89]\d{10}$/);
    expect(body.priceMinor).toBe(book.priceMinor);
    const stock = await shop.services.sql.db
      .selectFrom('inventory')
      .select(['on_hand', 'held'])
      .where('sku', '=', book.sku)
      .executeTakeFirstOrThrow();
    expect(body.available).toBe(stock.on_hand - stock.held);

    const availability = (await (await api(`products/${book.id}/availability`)).json()) as Record<
      string,
      unknown
    >;
    expect(availability).toMatchObject({ productId: book.id, available: stock.on_hand - stock.held });
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const id = shop.products[0]!.id;
    const first = await api(`products/${id}`);
    const etag = first.headers.get('etag')!;
    const again = await api(`products/${id}`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('gives 404 problem for an unknown product, route and image', async () => {
    for (const path of [
      'products/p-999999',
      'products/p-999999/availability',
      'products/x/image',
      'no-such-route',
    ]) {
      const response = await api(path);
      expect(response.status, path).toBe(404);
      expect(((await response.json()) as { code: string }).code).toBe('not_found');
    }
  });

  it('serves a generated SVG image for a product', async () => {
    const response = await api(`products/${shop.products[3]!.id}/image`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toContain('<svg');
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const response = await api('products', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(((await response.json()) as { code: string }).code).toBe('method_not_allowed');
  });
});

describe('local host over HTTP: bodies', () => {
  it('rejects invalid JSON, a wrong content type and an oversized body with 4xx', async () => {
    const post = (body: string, type = 'application/json') =>
      api('dev/token', { method: 'POST', headers: { 'content-type': type }, body });
    const invalid = await post('{"sub":');
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { code: string }).code).toBe('invalid_json');
    expect((await post('sub=alice', 'application/x-www-form-urlencoded')).status).toBe(415);
    const huge = await post(JSON.stringify({ sub: 'a', pad: 'x'.repeat(shop.services.config.maxBodyBytes) }));
    expect(huge.status).toBe(413);
    const fields = await post(JSON.stringify({ sub: 'has spaces', roles: ['king'] }));
    expect(fields.status).toBe(400);
    const problem = (await fields.json()) as { errors: Record<string, string[]> };
    expect(Object.keys(problem.errors).sort()).toEqual(['roles.0', 'sub']);
  });
});

describe('local host over HTTP: identity', () => {
  async function devToken(body: unknown): Promise<string> {
    const response = await api('dev/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  it('signs in with a dev token and creates the user once', async () => {
    const token = await devToken({ sub: 'alice', name: 'Alice' });
    const me = await api('me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ userId: 'alice', name: 'Alice', roles: ['shopper'] });
    await api('me', { headers: { authorization: `Bearer ${token}` } });
    const rows = await shop.services.sql.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'alice')
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('gives 401 for a missing, malformed, expired or foreign token', async () => {
    const expired = await shop.token('bob', ['shopper'], -120);
    const valid = await shop.token('bob');
    const [header, payload] = valid.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    for (const authorization of [
      undefined,
      'Basic abc',
      'Bearer nonsense',
      `Bearer ${expired}`,
      `Bearer ${forged}`,
    ]) {
      const response = await api('me', { headers: authorization ? { authorization } : {} });
      expect(response.status, authorization).toBe(401);
      expect(((await response.json()) as { code: string }).code).toBe('unauthenticated');
    }
  });

  it('publishes the issuer keys (JWKS) the tokens verify against', async () => {
    const jwks = (await (await api('dev/jwks')).json()) as { keys: Array<{ kty: string; d?: string }> };
    expect(jwks.keys[0]?.kty).toBe('EC');
    expect(jwks.keys[0]?.d).toBeUndefined(); // never the private part
  });
});

describe('local host over HTTP: health', () => {
  it('reports every dependency with its latency', async () => {
    const response = await api('health');
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      status: string;
      dependencies: Record<string, { status: string; latencyMs: number }>;
    };
    expect(report.status).toBe('healthy');
    expect(Object.keys(report.dependencies).sort()).toEqual(['bus', 'cache', 'products', 'sql']);
    for (const check of Object.values(report.dependencies)) {
      expect(check.status).toBe('up');
      expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });
});

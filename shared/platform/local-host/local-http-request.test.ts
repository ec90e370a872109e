import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { LocalHttpRequest } from './local-http-request';

// The local host's lazy request must answer exactly as the runtime's HttpRequest does.
function both(method: string, url: string, headers: Record<string, string>, body?: string) {
  const bytes = body === undefined ? undefined : Buffer.from(body);
  const params = { id: 'p-000001' };
  return {
    local: new LocalHttpRequest(method, url, headers, params, bytes),
    real: new HttpRequest({ method, url, headers, params, body: bytes ? { bytes } : undefined }),
  };
}

const easyAuthPrincipal = Buffer.from(
  JSON.stringify({
    auth_typ: 'aad',
    name_typ: 'name',
    role_typ: 'roles',
    claims: [{ typ: 'name', val: 'Ada' }],
  }),
).toString('base64');

describe('LocalHttpRequest (parity with @azure/functions HttpRequest)', () => {
  it('method, url, params, headers (case-insensitive) and repeated query keys', () => {
    const { local, real } = both('GET', 'http://localhost/api/search?q=red+shoe&brand=A&brand=B&empty=', {
      'content-type': 'application/json',
      'if-none-match': '"abc"',
    });
    for (const request of [local, real]) {
      expect(request.method).toBe('GET');
      expect(request.url).toBe('http://localhost/api/search?q=red+shoe&brand=A&brand=B&empty=');
      expect(request.params).toEqual({ id: 'p-000001' });
      expect(request.headers.get('If-None-Match')).toBe('"abc"');
      expect(request.headers.get('x-missing')).toBeNull();
      expect(request.query.get('q')).toBe('red shoe');
      expect(request.query.getAll('brand')).toEqual(['A', 'B']);
      expect(request.query.get('empty')).toBe('');
      expect(request.bodyUsed).toBe(false);
    }
    expect([...local.headers]).toEqual([...real.headers]);
  });

  it('json() and text() read the body once; a second read is refused as by fetch', async () => {
    const { local, real } = both('POST', 'http://localhost/api/cart', {}, '{"quantity":2,"name":"Łódź"}');
    expect(await local.json()).toEqual(await real.json());
    expect(local.bodyUsed).toBe(real.bodyUsed);
    await expect(local.text()).rejects.toThrow(TypeError);
    await expect(real.text()).rejects.toThrow(TypeError);
    const again = both('POST', 'http://localhost/api/cart', {}, 'not json');
    await expect(again.local.json()).rejects.toThrow(SyntaxError);
    await expect(again.real.json()).rejects.toThrow(SyntaxError);
  });

  it('arrayBuffer(), blob(), an empty body, and clone() before reading', async () => {
    const { local, real } = both('PUT', 'http://localhost/api/x', {}, 'héllo');
    const copy = local.clone();
    expect(new Uint8Array(await local.arrayBuffer())).toEqual(new Uint8Array(await real.arrayBuffer()));
    expect(await (await copy.blob()).text()).toBe('héllo');
    const empty = both('POST', 'http://localhost/api/x', {});
    expect(await empty.local.text()).toBe(await empty.real.text());
  });

  it('the Easy Auth user header is read as the runtime reads it', () => {
    const { local, real } = both('GET', 'http://localhost/api/me', {
      'x-ms-client-principal': easyAuthPrincipal,
      'x-ms-client-principal-id': 'user-1',
      'x-ms-client-principal-name': 'Ada',
      'x-ms-client-principal-idp': 'aad',
    });
    expect(real.user).not.toBeNull();
    expect(local.user).toEqual(real.user);
    expect(both('GET', 'http://localhost/api/me', {}).local.user).toBeNull();
  });

  it('headers read before and after being filled agree with fetch Headers, errors included', () => {
    const raw = { accept: 'a/b', 'x-list': ['1', '2'], 'if-none-match': '"e"' };
    const local = new LocalHttpRequest('GET', 'http://localhost/api/x', raw, {}, undefined);
    const real = new HttpRequest({
      method: 'GET',
      url: 'http://localhost/api/x',
      headers: { accept: 'a/b', 'x-list': '1, 2', 'if-none-match': '"e"' },
    });
    for (const request of [local, real]) {
      expect(request.headers.get('X-List')).toBe('1, 2');
      expect(request.headers.has('ACCEPT')).toBe(true);
      expect(request.headers.has('constructor')).toBe(false);
      expect(request.headers.get('__proto__')).toBeNull();
      expect(() => request.headers.get('bad name')).toThrow(TypeError);
    }
    expect([...local.headers]).toEqual([...real.headers]);
    local.headers.set('accept', 'c/d');
    expect(local.headers.get('accept')).toBe('c/d');
    expect(local.headers.get('if-none-match')).toBe('"e"');
  });

  it("headers read from a Node request's raw list answer as its parsed headers, repeats included", () => {
    const req = new IncomingMessage(new Socket());
    const raw = ['Host', 'a', 'host', 'b', 'X-Dup', '1', 'x-dup', '2', 'Cookie', 'a=1', 'cookie', 'b=2'];
    raw.push('Content-Type', 'a/b', 'content-type', 'c/d', 'If-None-Match', '"e"', 'Set-Cookie', 's');
    // As Node's HTTP parser hands a request its headers.
    (req as unknown as { _addHeaderLines(headers: string[], n: number): void })._addHeaderLines(
      raw,
      raw.length,
    );
    const names = ['host', 'X-DUP', 'cookie', 'content-type', 'if-none-match', 'set-cookie', 'missing'];
    const direct = names.map((name) =>
      new LocalHttpRequest('GET', 'http://a/api/x', req, {}, undefined).headers.get(name),
    );
    const parsed = new LocalHttpRequest('GET', 'http://a/api/x', req.headers, {}, undefined);
    expect(direct).toEqual(names.map((name) => parsed.headers.get(name)));
    expect(direct).toEqual(['a', '1, 2', 'a=1; b=2', 'a/b', '"e"', 's', null]);
  });
});

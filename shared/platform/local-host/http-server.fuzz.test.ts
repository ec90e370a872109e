import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../http';
import { createLogger } from '../logging';
import { startHttpServer } from './http-server';

// Fuzz suite for the local host's HTTP layer: hostile paths, percent-escapes, Host headers,
// control characters and oversized (chunked) bodies. Whatever comes in, the answer is a clean
// 4xx problem+json with a code, never a 500 and never a reset connection. Random cases come
// from a seeded generator, so a failure names a case that reproduces.

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let port: number;
let tmp: string;
const maxBodyBytes = 4096;
let served = 0;

/** A request with a path sent byte for byte (fetch would normalise or refuse it). */
function raw(
  method: string,
  rawPath: string,
  headers: Record<string, string> = {},
  body?: Buffer | Buffer[],
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: rawPath, headers, agent: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      // Chunked: no content-length, several writes.
      (async () => {
        for (const chunk of body) {
          if (req.destroyed) return;
          await new Promise<void>((done) => req.write(chunk, () => done()));
        }
        req.end();
      })().catch(reject);
    } else {
      req.end(body);
    }
  });
}

function expectProblem(response: RawResponse, status: number, code: string, label = ''): void {
  expect(response.status, `${label} ${response.body}`).toBe(status);
  expect(response.headers['content-type'], label).toBe('application/problem+json');
  expect(JSON.parse(response.body).code, label).toBe(code);
}

/** xorshift32: the same seed gives the same cases. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'http-fuzz-'));
  // The SPA at web/dist and, next to it, a folder whose name starts the same way.
  await fs.mkdir(path.join(tmp, 'web', 'dist'), { recursive: true });
  await fs.mkdir(path.join(tmp, 'web', 'dist-private'), { recursive: true });
  await fs.writeFile(path.join(tmp, 'web', 'dist', 'index.html'), '<!doctype html><title>shop</title>');
  await fs.writeFile(path.join(tmp, 'web', 'dist', 'app.js'), 'console.log(1)');
  await fs.writeFile(path.join(tmp, 'web', 'dist-private', 'secret.txt'), 'TOP SECRET');
  const started = await startHttpServer({
    functions: [
      {
        kind: 'http',
        name: 'echo',
        route: 'echo/{id}',
        methods: ['GET', 'POST'],
        handler: async (request) => {
          served++;
          const body = request.method === 'POST' ? await readJson(request) : null;
          return { status: 200, jsonBody: { id: request.params.id, body } };
        },
      },
    ],
    port: 0,
    maxBodyBytes,
    logger: createLogger('silent'),
    staticDir: path.join(tmp, 'web', 'dist'),
  });
  server = started.server;
  port = Number(new URL(started.url).port);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('local host fuzz: percent-escapes and paths', () => {
  it('GET /% (a URIError before) is 400 invalid_path, for the SPA and the API alike', async () => {
    for (const bad of ['/%', '/%zz', '/%E0%A4%A', '/app%', '/api/echo/%', '/api/echo/%E0%A4%A', '/api/%C0']) {
      expectProblem(await raw('GET', bad), 400, 'invalid_path', bad);
    }
    // Well-formed escapes still work.
    const ok = await raw('GET', '/api/echo/caf%C3%A9');
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).id).toBe('café');
  });

  it('never serves a sibling folder whose name starts like the static root (web/dist-private)', async () => {
    expect((await raw('GET', '/app.js')).body).toBe('console.log(1)');
    for (const attempt of [
      '/..%2fdist-private/secret.txt',
      '/..%2Fdist-private%2Fsecret.txt',
      '/%2e%2e%2fdist-private/secret.txt',
      '/..%5cdist-private/secret.txt',
      '/..%2f..%2fweb/dist-private/secret.txt',
    ]) {
      const response = await raw('GET', attempt);
      expect(response.body, attempt).not.toContain('TOP SECRET');
      expect(response.status, attempt).toBeLessThan(500);
    }
  });

  it('a NUL or control character in the path is a 4xx, never a 500', async () => {
    for (const bad of ['/%00', '/app.js%00.html', '/api/echo/%00', '/api/echo/a%0D%0Ab', '/%7F.js']) {
      const response = await raw('GET', bad);
      expect(response.status, bad).toBeGreaterThanOrEqual(200);
      expect(response.status, bad).toBeLessThan(500);
    }
  });

  it('a Host header that is no host name is 400, not a TypeError', async () => {
    for (const host of ['a b', 'x/y', '[::1', 'a@b:c']) {
      const response = await raw('GET', '/api/echo/1', { host });
      expect(response.status, host).toBeLessThan(500);
    }
  });

  it('random paths of escapes, control characters and bytes (seeded) never give a 500', async () => {
    const next = random(0x5eed);
    const alphabet = [
      '%',
      '%2',
      '%0',
      '%00',
      '%FF',
      '%C3',
      '%A9',
      '%2f',
      '%2e',
      '..',
      '/',
      'a',
      '~',
      '%E2%82',
      '%0A',
    ];
    for (let i = 0; i < 200; i++) {
      let tail = '';
      const length = 1 + Math.floor(next() * 8);
      for (let j = 0; j < length; j++) tail += alphabet[Math.floor(next() * alphabet.length)];
      const target = `${next() < 0.5 ? '/api/echo/' : '/'}${tail}`;
      const response = await raw('GET', target);
      expect(response.status, target).toBeLessThan(500);
      if (response.status >= 400)
        expect(response.headers['content-type'], target).toBe('application/problem+json');
    }
  });
});

describe('local host fuzz: bodies', () => {
  it('an oversized chunked body is 413 payload_too_large (not a reset connection), the handler never runs', async () => {
    const before = served;
    const chunk = Buffer.alloc(1024, 'x');
    const chunks = Array.from({ length: 64 }, () => chunk); // 64 KiB against a 4 KiB limit
    const response = await raw('POST', '/api/echo/1', { 'content-type': 'application/json' }, chunks);
    expectProblem(response, 413, 'payload_too_large');
    expect(served).toBe(before);
  });

  it('an oversized declared body is 413 too, and a body just under the limit is served', async () => {
    const big = Buffer.from(JSON.stringify({ pad: 'x'.repeat(maxBodyBytes) }));
    expectProblem(
      await raw(
        'POST',
        '/api/echo/1',
        { 'content-type': 'application/json', 'content-length': String(big.length) },
        big,
      ),
      413,
      'payload_too_large',
    );
    const small = Buffer.from(JSON.stringify({ pad: 'x'.repeat(maxBodyBytes - 100) }));
    const chunked = [small.subarray(0, 1000), small.subarray(1000)];
    expect((await raw('POST', '/api/echo/1', { 'content-type': 'application/json' }, chunked)).status).toBe(
      200,
    );
  });

  it('chunked bodies of random sizes around the limit (seeded): 200 below, 413 above, never a reset', async () => {
    const next = random(413);
    for (let i = 0; i < 25; i++) {
      const size = Math.floor(maxBodyBytes * (0.5 + next()));
      const json = Buffer.from(JSON.stringify({ pad: 'y'.repeat(Math.max(0, size - 10)) }));
      const pieces: Buffer[] = [];
      for (let at = 0; at < json.length; ) {
        const step = 1 + Math.floor(next() * 1500);
        pieces.push(json.subarray(at, at + step));
        at += step;
      }
      const response = await raw('POST', '/api/echo/1', { 'content-type': 'application/json' }, pieces);
      if (json.length > maxBodyBytes)
        expectProblem(response, 413, 'payload_too_large', `size ${json.length}`);
      else expect(response.status, `size ${json.length}`).toBe(200);
    }
  });

  it('JSON bodies with NUL and other control characters are parsed or refused with a 4xx, never a 500', async () => {
    for (const text of [
      '{"a":"\\u0000"}',
      '{"a":"\u0000"}',
      '\u0000',
      '{"a":1}\u0000',
      '\r\n{"a":"b\\r\\n"}',
    ]) {
      const response = await raw(
        'POST',
        '/api/echo/1',
        { 'content-type': 'application/json' },
        Buffer.from(text),
      );
      expect(response.status, JSON.stringify(text)).toBeLessThan(500);
    }
  });
});

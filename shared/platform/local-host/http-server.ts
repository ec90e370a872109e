import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { HttpResponseInit } from '@azure/functions';
import { AppError } from '../errors';
import type { HttpFunction } from '../function-definition';
import { problemResponse } from '../http';
import type { Logger } from '../logging';
import { LocalHttpRequest } from './local-http-request';
import { LocalInvocationContext } from './local-invocation-context';
import { compileRoute, firstSegment } from './route-template';

export interface HttpHostOptions {
  functions: HttpFunction[];
  port: number;
  maxBodyBytes: number;
  logger: Logger;
  /** The built SPA, served at `/` with fallback to index.html for client-side routes. */
  staticDir?: string;
  /** Extra handlers tried before the functions. */
  extraRoutes?: Array<(req: IncomingMessage, res: ServerResponse) => boolean>;
  /** WebSocket upgrades (the local realtime endpoint); true when taken. */
  upgrade?: (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => boolean;
}

interface Route {
  fn: HttpFunction;
  match: (path: string) => Record<string, string> | undefined;
  firstLiteral: string | undefined;
  methods: Set<string>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
};

async function send(res: ServerResponse, init: HttpResponseInit): Promise<void> {
  let body: string | Uint8Array | undefined;
  if (init.jsonBody !== undefined) {
    body = JSON.stringify(init.jsonBody);
  } else if (typeof init.body === 'string' || init.body instanceof Uint8Array) {
    body = init.body;
  } else if (init.body instanceof ArrayBuffer) {
    body = new Uint8Array(init.body);
  } else if (init.body != null) {
    body = new Uint8Array(await new Response(init.body as BodyInit).arrayBuffer());
  }
  const status = init.status ?? 200;
  const headers = init.headers;
  if (isRecord(headers) && init.jsonBody === undefined) {
    // A plain header object goes to writeHead as it is (as bare Node code does), without
    // building the response's header map one setHeader at a time.
    res.writeHead(status, headers);
  } else {
    res.statusCode = status;
    if (headers) {
      const entries =
        headers instanceof Headers ? headers.entries() : Object.entries(headers as Record<string, string>);
      for (const [name, value] of entries) res.setHeader(name, value);
    }
    if (init.jsonBody !== undefined && !res.hasHeader('content-type'))
      res.setHeader('content-type', 'application/json');
  }
  res.end(body);
}

function isRecord(headers: HttpResponseInit['headers']): headers is Record<string, string> {
  return (
    typeof headers === 'object' &&
    headers !== null &&
    !(headers instanceof Headers) &&
    !Array.isArray(headers)
  );
}

function tooLarge(limit: number): AppError {
  return new AppError(413, 'payload_too_large', `The body may be at most ${limit} bytes.`, {
    maxBodyBytes: limit,
  });
}

/**
 * The request body, at most `limit` bytes. Past the limit (declared or, for a chunked body,
 * counted) it rejects with 413 and stops keeping what arrives; the rest is read and thrown
 * away (up to a bound) so the client gets the 413 rather than a reset connection, and the
 * connection is closed after the answer.
 */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const overflow = () => {
      res.shouldKeepAlive = false;
      res.setHeader('connection', 'close');
      // Discard the rest; a client that keeps sending far past the limit is cut off.
      let discarded = 0;
      req.removeAllListeners('data');
      req.on('data', (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > Math.max(limit, 1024 * 1024) * 16) req.destroy();
      });
      req.on('error', () => {});
      req.resume();
      reject(tooLarge(limit));
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      overflow();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        overflow();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A request target the WHATWG URL parser keeps exactly as written: an absolute path (not `//`)
 * of unreserved characters, sub-delims, `:@/?%` and dots that start no segment (`/.`, `%2e` could
 * be dot segments). Anything else (spaces, quotes, `#`, `\\`, non-ASCII) goes through `new URL`.
 */
const canonicalTarget = /^\/(?![/.])(?:[\w\-~!$&()*+,;=:@%?]|\/(?!\.)|\.)*$/;

/** The base (scheme, user info, host, port) each Host header stands for, as `new URL` writes it. */
const bases = new Map<string, string>();

function baseFor(host: string): string {
  let base = bases.get(host);
  if (base === undefined) {
    base = new URL('/', `http://${host}`).href.slice(0, -1);
    if (bases.size >= 64) bases.clear(); // a client cycling Host headers gets no unbounded map
    bases.set(host, base);
  }
  return base;
}

/** The Host header as `req.headers.host` gives it (Node keeps the first), without Node building every header. */
function hostOf(
  req: Pick<IncomingMessage, 'url' | 'headers'> & Partial<Pick<IncomingMessage, 'rawHeaders'>>,
): string {
  const raw = req.rawHeaders;
  if (!raw) return req.headers.host ?? 'localhost';
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') return raw[i + 1]!;
  }
  return 'localhost';
}

interface RequestTarget {
  href: string;
  pathname: string;
}

/**
 * The request's URL (href and path) as `new URL(req.url, 'http://' + host)` gives it, without
 * parsing a canonical target again: that parse was about 3% of the host's time on a cached read.
 * A Host header that is no host name (`a b`, `x/y`) is 400, not a TypeError.
 */
export function requestUrl(req: Pick<IncomingMessage, 'url' | 'headers'>): RequestTarget {
  try {
    const target = req.url ?? '/';
    const host = hostOf(req);
    if (canonicalTarget.test(target) && !/%2e/i.test(target)) {
      const question = target.indexOf('?');
      return {
        href: baseFor(host) + target,
        pathname: question < 0 ? target : target.slice(0, question),
      };
    }
    const url = new URL(target, `http://${host}`);
    return { href: url.href, pathname: url.pathname };
  } catch {
    throw new AppError(400, 'invalid_request', 'The request line or Host header is malformed.');
  }
}

/** The path with its percent-escapes decoded; a malformed escape (`/%`, `/%E0%A4%A`) is 400, not a URIError. */
function decodedPath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new AppError(400, 'invalid_path', 'The path has a malformed percent-escape.');
  }
}

function serveStatic(staticDir: string, urlPath: string, res: ServerResponse): boolean {
  const root = path.resolve(staticDir);
  if (!fs.existsSync(path.join(root, 'index.html'))) return false;
  const decoded = decodedPath(urlPath);
  if (decoded.includes('\0')) return false;
  let file = path.resolve(root, `.${decoded}`);
  // Inside root, compared by path segments: a prefix test on strings would also serve a
  // sibling folder whose name starts with root's (web/dist-private next to web/dist).
  const relative = path.relative(root, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return false;
  const isAsset = path.extname(urlPath) !== '';
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    if (isAsset) return false;
    file = path.join(root, 'index.html'); // SPA fallback for client-side routes
  }
  const hashed = /\/assets\//.test(file);
  res.statusCode = 200;
  res.setHeader('content-type', contentTypes[path.extname(file)] ?? 'application/octet-stream');
  res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
  fs.createReadStream(file).pipe(res);
  return true;
}

/**
 * Serves HTTP functions the way the Functions host does: `/api/<route>`, each request
 * turned into an `HttpRequest` (see LocalHttpRequest) + an InvocationContext, the handler's
 * response sent.
 */
export async function startHttpServer(
  options: HttpHostOptions,
): Promise<{ url: string; server: http.Server }> {
  const routes: Route[] = options.functions.map((fn) => {
    const compiled = compileRoute(fn.route);
    return { fn, match: compiled.match, firstLiteral: compiled.firstLiteral, methods: new Set(fn.methods) };
  });
  // The routes a path may match, by its first segment, in declaration order (the first match wins,
  // as before): a literal first segment rules out every route that starts with another literal.
  const anyFirst = routes.filter((route) => route.firstLiteral === undefined);
  const byFirst = new Map<string, Route[]>();
  for (const route of routes) {
    if (route.firstLiteral !== undefined && !byFirst.has(route.firstLiteral)) {
      const first = route.firstLiteral;
      byFirst.set(
        first,
        routes.filter((r) => r.firstLiteral === undefined || r.firstLiteral === first),
      );
    }
  }
  const extraRoutes = options.extraRoutes ?? [];

  const server = http.createServer(async (req, res) => {
    try {
      const url = requestUrl(req);
      // 400 for a malformed escape, before any route sees it (a path without `%` has none).
      if (url.pathname.includes('%')) decodedPath(url.pathname);
      for (const extra of extraRoutes) if (extra(req, res)) return;
      if (!url.pathname.startsWith('/api/')) {
        if (options.staticDir && (req.method === 'GET' || req.method === 'HEAD')) {
          if (serveStatic(options.staticDir, url.pathname, res)) return;
        }
        await send(
          res,
          problemResponse(new AppError(404, 'not_found', `Nothing is served at ${url.pathname}.`)),
        );
        return;
      }
      const routePath = url.pathname.slice('/api/'.length);
      const method = (req.method ?? 'GET').toUpperCase();
      let allowed: string[] | undefined;
      for (const route of byFirst.get(firstSegment(routePath)) ?? anyFirst) {
        const params = route.match(routePath);
        if (!params) continue;
        if (!route.methods.has(method)) {
          allowed = [...(allowed ?? []), ...route.methods];
          continue;
        }
        const body =
          method === 'GET' || method === 'HEAD' ? undefined : await readBody(req, res, options.maxBodyBytes);
        const request = new LocalHttpRequest(
          method,
          url.href,
          req,
          params,
          body && body.length > 0 ? body : undefined,
        );
        const context = new LocalInvocationContext(route.fn.name, options.logger);
        await send(res, await route.fn.handler(request, context));
        return;
      }
      if (allowed) {
        await send(
          res,
          problemResponse(new AppError(405, 'method_not_allowed', `${method} is not allowed here.`), {
            allow: [...new Set(allowed)].join(', '),
          }),
        );
        return;
      }
      await send(
        res,
        problemResponse(new AppError(404, 'not_found', `No API route matches ${url.pathname}.`)),
      );
    } catch (error) {
      const appError =
        error instanceof AppError
          ? error
          : new AppError(500, 'internal_error', 'The local host failed to serve this.');
      if (!(error instanceof AppError))
        options.logger('error', 'local host failure', { error: String(error) });
      if (!res.headersSent) await send(res, problemResponse(appError));
      else res.end();
    }
  });
  server.keepAliveTimeout = 65_000;
  server.on('upgrade', (req, socket, head) => {
    if (!options.upgrade?.(req, socket, head)) socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://localhost:${port}`, server };
}

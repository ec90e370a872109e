import { type IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { HttpRequest, type HttpRequestParams, type HttpRequestUser } from '@azure/functions';

/**
 * A request's headers: Node's request itself (its `headers` object is built from `rawHeaders` on
 * first read, so it is read only when needed), or an already parsed header object.
 */
export type HeaderSource = IncomingMessage | IncomingHttpHeaders;

function parsedHeaders(source: HeaderSource): IncomingHttpHeaders {
  return source instanceof IncomingMessage ? source.headers : source;
}

/** A header name as fetch's Headers accepts it (RFC 9110 token). */
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A Node header value as one string: repeated headers joined, as the host always sent them. */
function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function headerRecord(raw: IncomingHttpHeaders): Record<string, string> {
  const record: Record<string, string> = {};
  for (const name of Object.keys(raw)) {
    const value = headerValue(raw[name]);
    if (value !== undefined) record[name] = value;
  }
  return record;
}

/**
 * One header of a Node request (`key` in lower case) as `req.headers` would give it, found in
 * `rawHeaders` while it occurs at most once (a repeated one is left to Node's own rules for
 * joining or dropping repeats).
 */
export function rawHeader(req: IncomingMessage, key: string): string | string[] | undefined {
  const raw = req.rawHeaders;
  let found: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== key.length || name.toLowerCase() !== key) continue;
    if (found !== undefined) return req.headers[key];
    found = raw[i + 1];
  }
  return found;
}

/**
 * fetch's Headers over Node's request headers, filled on first use other than `get`/`has`: a
 * handler that only asks for one header (`if-none-match` on a product read) no longer pays for
 * Node building its header object and for building and validating every header again, which
 * was about 4% of the host's time on that read. Node's parser has already refused malformed
 * names and values; a name `get` would refuse is answered by the filled Headers itself, so
 * errors are fetch's own.
 */
class NodeHeaders extends Headers {
  #source: HeaderSource | undefined;

  constructor(source: HeaderSource) {
    super();
    this.#source = source;
  }

  /** Copies the headers in (once), after which every method is Headers' own. */
  #fill(): void {
    const source = this.#source;
    if (!source) return;
    this.#source = undefined;
    const raw = parsedHeaders(source);
    for (const name of Object.keys(raw)) {
      const value = headerValue(raw[name]);
      if (value !== undefined) super.append(name, value);
    }
  }

  /** The value when `name` can be looked up directly; null for absent, undefined for "ask Headers". */
  #direct(name: string): string | null | undefined {
    const source = this.#source;
    if (!source || !headerName.test(name)) return undefined;
    const key = name.toLowerCase();
    if (source instanceof IncomingMessage) return headerValue(rawHeader(source, key)) ?? null;
    return Object.hasOwn(source, key) ? (headerValue(source[key]) ?? null) : null;
  }

  override get(name: string): string | null {
    const direct = this.#direct(name);
    if (direct !== undefined) return direct;
    this.#fill();
    return super.get(name);
  }
  override has(name: string): boolean {
    const direct = this.#direct(name);
    if (direct !== undefined) return direct !== null;
    this.#fill();
    return super.has(name);
  }
  override set(name: string, value: string): void {
    this.#fill();
    super.set(name, value);
  }
  override append(name: string, value: string): void {
    this.#fill();
    super.append(name, value);
  }
  override delete(name: string): void {
    this.#fill();
    super.delete(name);
  }
  override getSetCookie(): string[] {
    this.#fill();
    return super.getSetCookie();
  }
  override forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.#fill();
    super.forEach(callback, thisArg);
  }
  override entries(): ReturnType<Headers['entries']> {
    this.#fill();
    return super.entries();
  }
  override keys(): ReturnType<Headers['keys']> {
    this.#fill();
    return super.keys();
  }
  override values(): ReturnType<Headers['values']> {
    this.#fill();
    return super.values();
  }
  override [Symbol.iterator](): ReturnType<Headers['entries']> {
    this.#fill();
    return super[Symbol.iterator]();
  }
}

/**
 * The local host's `HttpRequest`: the same interface the Functions runtime hands a handler,
 * built lazily. `new HttpRequest(...)` builds an undici `Request` (with its AbortSignal and
 * Headers) up front, which was about a sixth of the host's time on a cached product read.
 * Headers and query are made when first read; the body methods read the bytes directly;
 * anything rarer (stream body, blob, form data, Easy Auth user, clone) is answered by a real
 * `HttpRequest` made on demand, so its behaviour is the runtime's own. The body methods are
 * prototype methods (as on the runtime's class), not per-request closures.
 */
export class LocalHttpRequest implements HttpRequest {
  #headers?: Headers;
  #query?: URLSearchParams;
  #real?: HttpRequest;
  #bodyUsed = false;

  constructor(
    readonly method: string,
    readonly url: string,
    private readonly rawHeaders: HeaderSource,
    readonly params: HttpRequestParams,
    private readonly bytes: Uint8Array | undefined,
  ) {}

  get headers(): Headers {
    this.#headers ??= new NodeHeaders(this.rawHeaders);
    return this.#headers;
  }

  /** The query string parsed as URL.searchParams would parse it, without parsing the whole URL again. */
  get query(): URLSearchParams {
    if (!this.#query) {
      const hash = this.url.indexOf('#');
      const question = this.url.indexOf('?');
      const search =
        question < 0 || (hash >= 0 && hash < question)
          ? ''
          : this.url.slice(question + 1, hash < 0 ? undefined : hash);
      this.#query = new URLSearchParams(search);
    }
    return this.#query;
  }

  get user(): HttpRequestUser | null {
    return this.real().user;
  }

  get body(): HttpRequest['body'] {
    return this.#bodyUsed ? null : this.real().body;
  }

  get bodyUsed(): boolean {
    return this.#bodyUsed || (this.#real?.bodyUsed ?? false);
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return Buffer.from(this.consume()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async blob(): ReturnType<HttpRequest['blob']> {
    this.consume();
    return this.real().blob();
  }

  async formData(): ReturnType<HttpRequest['formData']> {
    this.consume();
    return this.real().formData();
  }

  clone(): HttpRequest {
    if (this.bodyUsed) throw new TypeError('Body has already been consumed.');
    return new LocalHttpRequest(this.method, this.url, this.rawHeaders, this.params, this.bytes);
  }

  /** Marks the body read (once only, like fetch's Request) and returns its bytes. */
  private consume(): Uint8Array {
    if (this.bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#bodyUsed = true;
    return this.bytes ?? new Uint8Array(0);
  }

  private real(): HttpRequest {
    this.#real ??= new HttpRequest({
      method: this.method,
      url: this.url,
      headers: headerRecord(parsedHeaders(this.rawHeaders)),
      params: this.params,
      body: this.bytes && this.bytes.length > 0 ? { bytes: this.bytes } : undefined,
    });
    return this.#real;
  }
}

import { HttpRequest, type HttpRequestParams, type HttpRequestUser } from '@azure/functions';

/**
 * The local host's `HttpRequest`: the same interface the Functions runtime hands a handler,
 * built lazily. `new HttpRequest(...)` builds an undici `Request` (with its AbortSignal and
 * Headers) up front, which was about a sixth of the host's time on a cached product read.
 * Headers and query are made when first read; the body methods read the bytes directly;
 * anything rarer (stream body, blob, form data, Easy Auth user, clone) is answered by a real
 * `HttpRequest` made on demand, so its behaviour is the runtime's own.
 */
export class LocalHttpRequest implements HttpRequest {
  #headers?: Headers;
  #query?: URLSearchParams;
  #real?: HttpRequest;
  #bodyUsed = false;

  constructor(
    readonly method: string,
    readonly url: string,
    private readonly rawHeaders: Record<string, string>,
    readonly params: HttpRequestParams,
    private readonly bytes: Uint8Array | undefined,
  ) {}

  get headers(): Headers {
    this.#headers ??= new Headers(this.rawHeaders);
    return this.#headers;
  }

  get query(): URLSearchParams {
    this.#query ??= new URL(this.url).searchParams;
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

  readonly arrayBuffer = async (): Promise<ArrayBuffer> => {
    const bytes = this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };

  readonly text = async (): Promise<string> => Buffer.from(this.consume()).toString('utf8');

  readonly json = async (): Promise<unknown> => JSON.parse(await this.text());

  readonly blob: HttpRequest['blob'] = async () => {
    this.consume();
    return this.real().blob();
  };

  readonly formData: HttpRequest['formData'] = async () => {
    this.consume();
    return this.real().formData();
  };

  readonly clone = (): HttpRequest => {
    if (this.bodyUsed) throw new TypeError('Body has already been consumed.');
    return new LocalHttpRequest(this.method, this.url, this.rawHeaders, this.params, this.bytes);
  };

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
      headers: this.rawHeaders,
      params: this.params,
      body: this.bytes && this.bytes.length > 0 ? { bytes: this.bytes } : undefined,
    });
    return this.#real;
  }
}

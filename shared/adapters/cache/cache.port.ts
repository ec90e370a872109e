/** A string cache. Values are opaque strings (usually JSON); TTL is the fallback, not the mechanism. */
export interface Cache {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(keys: string[]): Promise<void>;
  /** Throws when the cache cannot serve; used by health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

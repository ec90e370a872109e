import { LRUCache } from 'lru-cache';
import type { Cache } from './cache.port';

/** The embedded twin: an in-process LRU bounded by entry count. */
export class MemoryCache implements Cache {
  readonly kind = 'memory';
  private readonly entries: LRUCache<string, string>;

  constructor(options: { maxEntries?: number } = {}) {
    this.entries = new LRUCache({ max: options.maxEntries ?? 50_000 });
  }

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, value, { ttl: ttlSeconds * 1000 });
  }
  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    this.entries.clear();
  }
}

import { LRUCache } from 'lru-cache';
import type { Cache } from './cache.port';

/**
 * Stands in for a deleted entry when it was the cache's only one: lru-cache deletes its last
 * entry by clearing every slot of its capacity (50,000 here: 0.5 ms), and a cache toggling
 * between empty and one entry (a stock change invalidating the only cached count) paid that on
 * every delete, 3% of the host's time in the checkout benchmark. The stand-in reads as absent.
 */
const deleted = '\u0000deleted';

/** The embedded twin: an in-process LRU bounded by entry count. */
export class MemoryCache implements Cache {
  readonly kind = 'memory';
  private readonly entries: LRUCache<string, string>;

  constructor(options: { maxEntries?: number } = {}) {
    this.entries = new LRUCache({ max: options.maxEntries ?? 50_000 });
  }

  async get(key: string): Promise<string | undefined> {
    const value = this.entries.get(key);
    return value === deleted ? undefined : value;
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, value, { ttl: ttlSeconds * 1000 });
  }
  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      if (this.entries.size === 1 && this.entries.has(key)) this.entries.set(key, deleted);
      else this.entries.delete(key);
    }
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    this.entries.clear();
  }
}

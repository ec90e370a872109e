import { LRUCache } from 'lru-cache';
import type { Cache } from './cache.port';

/**
 * An entry no caller can name, kept so the LRU never holds just one entry: lru-cache deletes
 * its last entry by clearing every slot of its capacity (50,000 here), and a cache toggling
 * between empty and one entry (a stock change invalidating the only cached count) paid that on
 * every delete, 3% of the host's time in the checkout benchmark. (A Map-based LRU avoided it but
 * evicting from a Map's front rescans deleted slots: 11× slower once full.)
 */
const pinKey = '\u0000pin';

/** The embedded twin: an in-process LRU bounded by entry count. */
export class MemoryCache implements Cache {
  readonly kind = 'memory';
  private readonly entries: LRUCache<string, string>;

  constructor(options: { maxEntries?: number } = {}) {
    this.entries = new LRUCache({ max: (options.maxEntries ?? 50_000) + 1 });
    this.entries.set(pinKey, '');
  }

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    // The pin made most recently used first, so a full cache evicts a real entry, not the pin.
    if (this.entries.get(pinKey) === undefined) this.entries.set(pinKey, '');
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

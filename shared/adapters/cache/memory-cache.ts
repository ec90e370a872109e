import type { Cache } from './cache.port';

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * The embedded twin: an in-process LRU bounded by entry count, on a Map (which keeps insertion
 * order, so the first key is the least recently used). Not lru-cache: it deletes the last entry
 * by clearing every slot of its capacity, and a cache toggling between empty and one entry (a
 * stock change invalidating the only cached count) paid that on every delete, 3% of the host's
 * time in the checkout benchmark.
 */
export class MemoryCache implements Cache {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;

  constructor(options: { maxEntries?: number } = {}) {
    this.maxEntries = options.maxEntries ?? 50_000;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= Date.now()) return undefined;
    this.entries.set(key, entry); // now the most recently used
    return entry.value;
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    if (this.entries.size > this.maxEntries) {
      const leastRecentlyUsed = this.entries.keys().next().value as string;
      this.entries.delete(leastRecentlyUsed);
    }
  }
  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.entries.delete(key);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {
    this.entries.clear();
  }
}

import type { TokenCredential } from '@azure/core-auth';
import { createClient, type RedisClientOptions } from 'redis';
import type { Cache } from './cache.port';

export interface RedisCacheOptions {
  /** Prepended to every key (tests isolate runs with it). Default `shop:`. */
  prefix?: string;
  /**
   * Sign in with Entra ID (Azure Cache for Redis with access keys disabled): user = the
   * identity's object id (read from the token), password = a token for Redis, renewed at 80%
   * of its life and re-sent on every open connection (@redis/entraid).
   */
  credential?: TokenCredential;
}

/**
 * Redis through node-redis. Commands fail fast while disconnected (no offline queue), so a
 * Redis outage turns into cache misses served from the stores, and the client reconnects
 * by itself when Redis returns.
 */
export class RedisCache implements Cache {
  readonly kind = 'redis';
  private readonly client;

  private constructor(
    url: string,
    private readonly prefix: string,
    credentialsProvider: RedisClientOptions['credentialsProvider'],
  ) {
    this.client = createClient({
      url,
      credentialsProvider,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
    });
    // Without a listener node-redis throws connection errors; health reports them instead.
    this.client.on('error', () => {});
  }

  static async connect(url: string, options: RedisCacheOptions = {}): Promise<RedisCache> {
    let credentialsProvider: RedisClientOptions['credentialsProvider'];
    if (options.credential) {
      // A CommonJS package: in the ESM bundle its exports arrive as `default` only.
      const imported = await import('@redis/entraid');
      const { EntraIdCredentialsProviderFactory, REDIS_SCOPE_DEFAULT } = ((imported as { default?: unknown })
        .default ?? imported) as typeof imported;
      credentialsProvider = EntraIdCredentialsProviderFactory.createForDefaultAzureCredential({
        credential: options.credential,
        scopes: REDIS_SCOPE_DEFAULT,
        tokenManagerConfig: { expirationRefreshRatio: 0.8 },
      });
    }
    const cache = new RedisCache(url, options.prefix ?? 'shop:', credentialsProvider);
    // Start connecting but do not fail start-up when Redis is down: reads fall back to stores.
    cache.client.connect().catch(() => {});
    return cache;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.client.get(this.prefix + key);
    return value ?? undefined;
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.client.set(this.prefix + key, value, { expiration: { type: 'EX', value: ttlSeconds } });
  }
  async delete(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.client.del(keys.map((key) => this.prefix + key));
  }
  async ping(): Promise<void> {
    await this.client.ping();
  }
  async close(): Promise<void> {
    // A graceful close waits for a connection that may never come back; only use it when ready.
    if (this.client.isReady) await this.client.close().catch(() => this.client.destroy());
    else if (this.client.isOpen) this.client.destroy();
  }
}

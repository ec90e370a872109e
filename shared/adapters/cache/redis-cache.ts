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
  /**
   * How long one command may take before it fails (ms, default 50). A Redis that accepts
   * connections but does not answer must cost a read tens of milliseconds, not a hang: the
   * cache-aside treats the failure as a miss and its breaker stops asking.
   */
  commandTimeoutMs?: number;
  /**
   * The timeout of PING (health and the breaker's probe; ms, default 250): off the read path,
   * so it can wait longer and not call a busy but working Redis down.
   */
  pingTimeoutMs?: number;
}

/** A command that got no answer within the command timeout. */
export class CacheTimeoutError extends Error {
  constructor(operation: string, ms: number) {
    super(`Redis ${operation} got no answer within ${ms} ms`);
    this.name = 'CacheTimeoutError';
  }
}

/**
 * Redis through node-redis. Commands fail fast while disconnected (no offline queue) and fail
 * after `commandTimeoutMs` when Redis is connected but silent, so a Redis outage or hang turns
 * into cache misses served from the stores; the client reconnects by itself when Redis returns.
 */
export class RedisCache implements Cache {
  readonly kind = 'redis';
  private readonly client;

  private constructor(
    url: string,
    private readonly prefix: string,
    credentialsProvider: RedisClientOptions['credentialsProvider'],
    private readonly commandTimeoutMs: number,
    private readonly pingTimeoutMs: number,
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
    const cache = new RedisCache(
      url,
      options.prefix ?? 'shop:',
      credentialsProvider,
      options.commandTimeoutMs ?? 50,
      options.pingTimeoutMs ?? 250,
    );
    // Start connecting but do not fail start-up when Redis is down: reads fall back to stores.
    cache.client.connect().catch(() => {});
    return cache;
  }

  /**
   * Runs one command with the command timeout. A command that times out may still reach Redis
   * later (a DEL that timed out may or may not have run): callers treat a timeout as a failure.
   */
  private timed<T>(operation: string, command: () => Promise<T>, ms = this.commandTimeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // A blocked event loop runs due timers before it reads sockets: let one poll phase read
      // an answer that has already arrived before calling it a timeout.
      const timer = setTimeout(() => setImmediate(() => reject(new CacheTimeoutError(operation, ms))), ms);
      command().then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.timed('GET', () => this.client.get(this.prefix + key));
    return value ?? undefined;
  }
  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.timed('SET', () =>
      this.client.set(this.prefix + key, value, { expiration: { type: 'EX', value: ttlSeconds } }),
    );
  }
  async delete(keys: string[]): Promise<void> {
    if (keys.length > 0) await this.timed('DEL', () => this.client.del(keys.map((key) => this.prefix + key)));
  }
  async ping(): Promise<void> {
    await this.timed('PING', () => this.client.ping(), this.pingTimeoutMs);
  }
  async close(): Promise<void> {
    // A graceful close waits for a connection that may never come back; only use it when ready.
    if (this.client.isReady) await this.client.close().catch(() => this.client.destroy());
    else if (this.client.isOpen) this.client.destroy();
  }
}

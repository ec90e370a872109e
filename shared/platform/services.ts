import type { TokenCredential } from '@azure/core-auth';
import { createRemoteJWKSet } from 'jose';
import type { BusClock, LocalBus } from '../adapters/bus/local-bus';
import type { Cache } from '../adapters/cache/cache.port';
import { CacheAside } from '../adapters/cache/cache-aside';
import { SqlInvalidationLog } from '../adapters/cache/invalidation-log';
import { MemoryCache } from '../adapters/cache/memory-cache';
import { LocalIssuer, localIssuerName } from '../adapters/identity/local-issuer';
import type { ConfiguredPaymentGateway } from '../adapters/payments/create-payment-gateway';
import type { LocalRealtimeHub } from '../adapters/realtime/local-realtime-hub';
import type { RelationalStore } from '../adapters/sql/database';
import { writesInOneStatement } from '../adapters/sql/dialect';
import { type CartWrites, portableCartWrites, postgresCartWrites } from '../cart/cart-writes';
import type { ProductStore } from '../catalogue/product-store.port';
import { portableReservation, postgresReservation, type Reservation } from '../checkout/reservation';
import { createTokenVerifier, type TokenVerifier } from '../identity/token-verifier';
import type { DeadLetterQueue } from '../messaging/dead-letters.port';
import { type EventBus, shopTopology, type Topology } from '../messaging/event-bus.port';
import { type InboxClaims, portableInboxClaims, postgresInboxClaims } from '../messaging/inbox-claims';
import type { EmailSender } from '../notifications/email-sender.port';
import type { RealtimeHub } from '../realtime/realtime-hub.port';
import type { SearchIndex } from '../search/search-index.port';
import { type AppConfig, parseAzureEntryConfig, usesLocalIssuer } from './config';
import { AppError } from './errors';
import { createLogger } from './logging';

/** Everything the handlers use, built once per process from configuration. */
export interface Services {
  config: AppConfig;
  sql: RelationalStore;
  /** The cart's line writes for this engine (chosen once, here). */
  cartWrites: CartWrites;
  /** The consumers' inbox (claims and the reads before them) for this engine (chosen once, here). */
  inboxClaims: InboxClaims;
  /** Pay Now's reservation and its settlement as paid, for this engine (chosen once, here). */
  reservation: Reservation;
  products: ProductStore;
  productsEmbedded: boolean;
  cache: CacheAside;
  search: SearchIndex;
  payments: ConfiguredPaymentGateway;
  email: EmailSender;
  /** Where the local email twin writes `.eml` files (absent in Azure). */
  emailOutboxDir?: string;
  realtime: RealtimeHub;
  /** Present when the local host serves live updates itself. */
  localRealtime?: LocalRealtimeHub;
  bus: EventBus;
  /** Present when the durable local bus is the event bus (local host, tests). */
  localBus?: LocalBus;
  /** The bus's dead letters: the local bus's, or the Service Bus subscriptions' dead-letter queues. */
  deadLetters: DeadLetterQueue;
  verifyToken: TokenVerifier;
  /** Present only when no Entra issuer is configured. */
  localIssuer?: LocalIssuer;
  /** Checks added by the host (e.g. local storage); health runs them with the rest. */
  extraHealthChecks?: Record<string, { critical: boolean; check: () => Promise<string | undefined> }>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  topology?: Topology;
  /** Local bus peek-lock duration (tests shorten it to prove redelivery). */
  busLockDurationMs?: number;
  /** Local bus time (tests move it forward instead of sleeping); the system clock by default. */
  busClock?: BusClock;
}

export async function createServices(config: AppConfig, options: ServiceOptions = {}): Promise<Services> {
  // One credential for every Azure client (managed identity in Azure): one token cache.
  let credential: TokenCredential | undefined;
  const azureCredential = async (): Promise<TokenCredential> => {
    if (!credential) {
      const { DefaultAzureCredential } = await import('@azure/identity');
      credential = new DefaultAzureCredential();
    }
    return credential;
  };
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  try {
    // Loaded on first use, like every adapter: the SQL and Cosmos clients are most of the bundle's
    // start-up code, and the Functions host loads the entry before it needs them.
    const { openRelationalStore } = await import('../adapters/sql/database');
    const sqlStore = await openRelationalStore(config.sql, {
      log: createLogger(config.logLevel),
      credential:
        config.sql.kind === 'mssql' || config.sql.kind === 'postgres-entra'
          ? await azureCredential()
          : undefined,
    });
    closers.push(() => sqlStore.close());
    // The one place the write implementations are chosen: PostgreSQL's one-statement writes,
    // or the portable ones Azure SQL runs (also on PostgreSQL when SQL_PORTABLE_WRITES=true).
    const oneStatement = writesInOneStatement(sqlStore.db, config.portableSqlWrites);
    const cartWrites = (oneStatement ? postgresCartWrites : portableCartWrites)(sqlStore.db);
    const inboxClaims = (oneStatement ? postgresInboxClaims : portableInboxClaims)(sqlStore.db);
    const reservation = (oneStatement ? postgresReservation : portableReservation)(sqlStore.db);

    const { openProductStore } = await import('../adapters/cosmos/open-product-store');
    const { store: products, embedded } = await openProductStore(config, azureCredential);
    closers.push(() => products.close());

    const cacheAdapter = await openCache(config, azureCredential);
    closers.push(() => cacheAdapter.close());
    // Invalidations Redis cannot take are also logged in SQL; every instance delivers the log.
    const cache = new CacheAside(cacheAdapter, config.cacheTtlSeconds, {
      log: cacheAdapter.kind === 'redis' ? new SqlInvalidationLog(sqlStore.db) : undefined,
      logger: createLogger(config.logLevel),
    });
    cache.startSweep(30_000);
    closers.push(() => cache.stop());

    const search = await openSearchIndex(config, azureCredential);

    const { createPaymentGateway } = await import('../adapters/payments/create-payment-gateway');
    const payments = await createPaymentGateway({
      dataDir: config.dataDir,
      sandbox: config.payments.sandbox,
      stripeApiBase: config.payments.stripeApiBase,
      stripeSecretKey: config.payments.stripeSecretKey,
      stripeWebhookSecret: config.payments.stripeWebhookSecret,
      paypalApiBase: config.payments.paypalApiBase,
      paypalClientId: config.payments.paypalClientId,
      paypalClientSecret: config.payments.paypalClientSecret,
      paypalWebhookId: config.payments.paypalWebhookId,
    });
    closers.push(() => payments.close());

    let email: EmailSender;
    let emailOutboxDir: string | undefined;
    if (config.email.endpoint) {
      const { AcsEmailSender } = await import('../adapters/email/acs-email-sender');
      email = new AcsEmailSender({
        endpoint: config.email.endpoint,
        senderAddress: config.email.sender,
        credential: await azureCredential(),
      });
    } else {
      const { OutboxFolderEmailSender } = await import('../adapters/email/outbox-folder-email-sender');
      const path = await import('node:path');
      emailOutboxDir = path.join(config.dataDir, 'outbox');
      email = new OutboxFolderEmailSender({ folder: emailOutboxDir, from: config.email.sender });
    }
    closers.push(() => email.close());

    let realtime: RealtimeHub;
    let localRealtime: LocalRealtimeHub | undefined;
    if (config.realtime.webPubSubEndpoint) {
      const { WebPubSubHub } = await import('../adapters/realtime/web-pubsub-hub');
      realtime = WebPubSubHub.connect(
        config.realtime.webPubSubEndpoint,
        config.realtime.hub,
        await azureCredential(),
      );
    } else {
      const { LocalRealtimeHub } = await import('../adapters/realtime/local-realtime-hub');
      localRealtime = new LocalRealtimeHub();
      realtime = localRealtime;
    }
    closers.push(() => realtime.close());

    const topology = options.topology ?? shopTopology;
    let bus: EventBus;
    let localBus: LocalBus | undefined;
    let deadLetters: DeadLetterQueue;
    if (config.serviceBusNamespace) {
      const { ServiceBusEventBus } = await import('../adapters/bus/service-bus-event-bus');
      const { ServiceBusDeadLetterQueue } = await import('../adapters/bus/service-bus-dead-letters');
      const serviceBus = ServiceBusEventBus.connect(config.serviceBusNamespace);
      bus = serviceBus;
      // The same client (connection, managed identity); the bus closes it.
      deadLetters = new ServiceBusDeadLetterQueue(serviceBus.client, topology);
    } else {
      if (sqlStore.dialect !== 'postgres') throw new Error('The local bus needs PostgreSQL or PGlite.');
      const { LocalBus } = await import('../adapters/bus/local-bus');
      const { LocalBusDeadLetterQueue } = await import('../adapters/bus/local-bus-dead-letters');
      localBus = await LocalBus.open(sqlStore.db, topology, {
        lockDurationMs: options.busLockDurationMs,
        clock: options.busClock,
      });
      bus = localBus;
      deadLetters = new LocalBusDeadLetterQueue(localBus);
    }
    closers.push(() => bus.close());

    let verifyToken: TokenVerifier;
    let localIssuer: LocalIssuer | undefined;
    if (usesLocalIssuer(config)) {
      localIssuer = await LocalIssuer.open(config.dataDir, config.auth.audience);
      verifyToken = createTokenVerifier({
        issuer: localIssuerName,
        audience: config.auth.audience,
        keySet: localIssuer.keySet(),
        clockToleranceSeconds: config.auth.clockToleranceSeconds,
      });
    } else {
      verifyToken = createTokenVerifier({
        issuer: config.auth.issuer,
        audience: config.auth.audience,
        keySet: createRemoteJWKSet(new URL(config.auth.jwksUrl)),
        clockToleranceSeconds: config.auth.clockToleranceSeconds,
      });
    }

    return {
      config,
      sql: sqlStore,
      cartWrites,
      inboxClaims,
      reservation,
      products,
      productsEmbedded: embedded,
      cache,
      search,
      payments,
      email,
      emailOutboxDir,
      realtime,
      localRealtime,
      bus,
      localBus,
      deadLetters,
      verifyToken,
      localIssuer,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * Azure AI Search when an endpoint is set; else the embedded engine (memory only: filled at
 * start). The app never creates or changes the Azure index: that needs Search Service
 * Contributor, which only the operator holds (`npm run reindex` at deploy time). The app's
 * identity has the data role only: query, upload and delete documents.
 */
async function openSearchIndex(
  config: AppConfig,
  credential: () => Promise<TokenCredential>,
): Promise<SearchIndex> {
  if (config.search.endpoint) {
    const { AzureSearchIndex } = await import('../adapters/search/azure-search-index');
    return new AzureSearchIndex({
      endpoint: config.search.endpoint,
      indexName: config.search.indexName,
      credential: await credential(),
    });
  }
  const { EmbeddedSearchIndex } = await import('../adapters/search/embedded-search-index');
  return new EmbeddedSearchIndex();
}

async function openCache(config: AppConfig, credential: () => Promise<TokenCredential>): Promise<Cache> {
  if (!config.redisUrl) return new MemoryCache();
  const { RedisCache } = await import('../adapters/cache/redis-cache');
  return RedisCache.connect(config.redisUrl, {
    credential: config.redisAuth === 'entra' ? await credential() : undefined,
  });
}

/** Where the lazily started services of this process stand (the Azure path). */
export type StartState =
  | { state: 'idle' }
  | { state: 'starting'; attempt: number }
  | { state: 'ready' }
  | { state: 'failed'; attempt: number; reason: string; retryAt: Date };

const firstRetryMs = 1_000;
const maxRetryMs = 30_000;

let current: Promise<Services> | undefined;
let start: StartState = { state: 'idle' };

/**
 * The process's services, created from the environment on first use (the Azure path). A
 * failed start is not kept: after a backoff (1 s doubling to 30 s) the next invocation tries
 * again, so a transient fault (SQL failover, a role assignment still propagating) heals by
 * itself. Until then every call fails fast with 503 `not_ready`, saying why.
 */
export function services(): Promise<Services> {
  if (current) return current;
  if (start.state === 'failed' && Date.now() < start.retryAt.getTime()) {
    return Promise.reject(notReady(start));
  }
  const attempt = start.state === 'failed' ? start.attempt + 1 : 1;
  start = { state: 'starting', attempt };
  const starting: Promise<Services> = (async () => createServices(parseAzureEntryConfig()))().then(
    (value) => {
      start = { state: 'ready' };
      return value;
    },
    (error: unknown) => {
      current = undefined;
      const delay = Math.min(firstRetryMs * 2 ** (attempt - 1), maxRetryMs);
      start = {
        state: 'failed',
        attempt,
        reason: describeError(error),
        retryAt: new Date(Date.now() + delay),
      };
      console.error(`The app could not start (attempt ${attempt}); next try after ${delay} ms:`, error);
      throw notReady(start);
    },
  );
  current = starting;
  return starting;
}

export function startState(): StartState {
  return start;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function notReady(state: StartState): AppError {
  if (state.state !== 'failed') return new AppError(503, 'not_ready', 'The service is starting.');
  const seconds = Math.max(1, Math.ceil((state.retryAt.getTime() - Date.now()) / 1000));
  return new AppError(503, 'not_ready', `The service could not start; it tries again in ${seconds} s.`, {
    retryAfterSeconds: seconds,
  });
}

/** Installs already-built services (the local host and tests do this before serving). */
export function useServices(value: Services | undefined): void {
  current = value ? Promise.resolve(value) : undefined;
  start = value ? { state: 'ready' } : { state: 'idle' };
}

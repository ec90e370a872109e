import { createRemoteJWKSet } from 'jose';
import type { LocalBus } from '../adapters/bus/local-bus';
import type { Cache } from '../adapters/cache/cache.port';
import { CacheAside } from '../adapters/cache/cache-aside';
import { MemoryCache } from '../adapters/cache/memory-cache';
import { openProductStore } from '../adapters/cosmos/open-product-store';
import { LocalIssuer, localIssuerName } from '../adapters/identity/local-issuer';
import type { ConfiguredPaymentGateway } from '../adapters/payments/create-payment-gateway';
import type { LocalRealtimeHub } from '../adapters/realtime/local-realtime-hub';
import { openRelationalStore, type RelationalStore } from '../adapters/sql/database';
import { usePortableWrites } from '../adapters/sql/dialect';
import type { ProductStore } from '../catalogue/product-store.port';
import { createTokenVerifier, type TokenVerifier } from '../identity/token-verifier';
import type { DeadLetterQueue } from '../messaging/dead-letters.port';
import { type EventBus, shopTopology, type Topology } from '../messaging/event-bus.port';
import type { EmailSender } from '../notifications/email-sender.port';
import type { RealtimeHub } from '../realtime/realtime-hub.port';
import type { SearchIndex } from '../search/search-index.port';
import { type AppConfig, parseConfig, usesLocalIssuer } from './config';

/** Everything the handlers use, built once per process from configuration. */
export interface Services {
  config: AppConfig;
  sql: RelationalStore;
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
}

export async function createServices(config: AppConfig, options: ServiceOptions = {}): Promise<Services> {
  if (config.appInsightsConnectionString) {
    const { DefaultAzureCredential } = await import('@azure/identity');
    const { startTelemetry } = await import('./telemetry');
    await startTelemetry(config.appInsightsConnectionString, { credential: new DefaultAzureCredential() });
  }
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  };
  try {
    const sqlStore = await openRelationalStore(config.sql);
    if (config.portableSqlWrites) usePortableWrites(sqlStore.db);
    closers.push(() => sqlStore.close());

    const { store: products, embedded } = await openProductStore(config);
    closers.push(() => products.close());

    const cacheAdapter = await openCache(config);
    closers.push(() => cacheAdapter.close());

    const search = await openSearchIndex(config);

    const { createPaymentGateway } = await import('../adapters/payments/create-payment-gateway');
    const payments = await createPaymentGateway({
      dataDir: config.dataDir,
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
      const { DefaultAzureCredential } = await import('@azure/identity');
      email = new AcsEmailSender({
        endpoint: config.email.endpoint,
        senderAddress: config.email.sender,
        credential: new DefaultAzureCredential(),
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
      const { DefaultAzureCredential } = await import('@azure/identity');
      realtime = WebPubSubHub.connect(
        config.realtime.webPubSubEndpoint,
        config.realtime.hub,
        new DefaultAzureCredential(),
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
      localBus = await LocalBus.open(sqlStore.db, topology, { lockDurationMs: options.busLockDurationMs });
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
      products,
      productsEmbedded: embedded,
      cache: new CacheAside(cacheAdapter, config.cacheTtlSeconds),
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

/** Azure AI Search when an endpoint is set; else the embedded engine (memory only: filled at start). */
async function openSearchIndex(config: AppConfig): Promise<SearchIndex> {
  if (config.search.endpoint) {
    const { AzureSearchIndex } = await import('../adapters/search/azure-search-index');
    const index = new AzureSearchIndex({
      endpoint: config.search.endpoint,
      indexName: config.search.indexName,
    });
    await index.ensureIndex();
    return index;
  }
  const { EmbeddedSearchIndex } = await import('../adapters/search/embedded-search-index');
  return new EmbeddedSearchIndex();
}

async function openCache(config: AppConfig): Promise<Cache> {
  if (!config.redisUrl) return new MemoryCache();
  const { RedisCache } = await import('../adapters/cache/redis-cache');
  return RedisCache.connect(config.redisUrl);
}

let current: Promise<Services> | undefined;

/** The process's services, created from the environment on first use (the Azure path). */
export function services(): Promise<Services> {
  current ??= createServices(parseConfig());
  return current;
}

/** Installs already-built services (the local host and tests do this before serving). */
export function useServices(value: Services | undefined): void {
  current = value ? Promise.resolve(value) : undefined;
}

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { allFunctions } from '../../functions/definitions';
import type { BusClock } from '../../shared/adapters/bus/local-bus';
import { demoStartingInventory, generateCatalogue } from '../../shared/catalogue/demo-catalogue';
import type { Product } from '../../shared/catalogue/product';
import type { Role } from '../../shared/identity/principal';
import { insertMissingInventory } from '../../shared/inventory/inventory.repository';
import { shopTopology, type Topology } from '../../shared/messaging/event-bus.port';
import { parseConfig } from '../../shared/platform/config';
import type { FunctionDefinition } from '../../shared/platform/function-definition';
import { type LocalHost, startLocalHost } from '../../shared/platform/local-host/local-host';
import { createLogger } from '../../shared/platform/logging';
import { createServices, type Services, useServices } from '../../shared/platform/services';

export interface TestShopOptions {
  env?: Record<string, string>;
  /** Products to generate (0 for none). */
  products?: number;
  /** Sell sized products by size, as the demo catalogue does (default: every product one SKU). */
  variants?: boolean;
  host?: boolean;
  definitions?: FunctionDefinition[];
  topology?: Topology;
  busLockDurationMs?: number;
  /** The local bus's clock (test/support/manual-clock.ts), to advance instead of sleeping. */
  busClock?: BusClock;
  /**
   * The shop's subscriptions back off for minutes before dead-lettering (`shopTopology`). A test
   * shop (without `topology`) backs off along this schedule instead, by default none: tests that
   * wait for a dead letter need not wait 155 s. The backoff's own test gives a scaled-down one
   * (functions/consumers/receipts-email-outage.test.ts).
   */
  busRedeliveryScheduleMs?: readonly number[];
  dataDir?: string;
  /** Serve a built SPA at `/` (browser tests). */
  staticDir?: string;
}

export interface TestShop {
  services: Services;
  products: Product[];
  url: string;
  host?: LocalHost;
  dataDir: string;
  token(sub: string, roles?: Role[], expiresIn?: number): Promise<string>;
  close(): Promise<void>;
}

export async function tempDir(prefix = 'shop-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A whole shop on a fresh temporary data folder: real twins (PGlite, Cosmos server, bus). */
export async function startTestShop(options: TestShopOptions = {}): Promise<TestShop> {
  const dataDir = options.dataDir ?? (await tempDir());
  const config = parseConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0', ...options.env });
  const topology =
    options.topology ??
    Object.fromEntries(
      Object.entries(shopTopology).map(([topic, subscriptions]) => [
        topic,
        Object.fromEntries(
          Object.entries(subscriptions).map(([name, settings]) => [
            name,
            { ...settings, redeliveryScheduleMs: options.busRedeliveryScheduleMs ?? [] },
          ]),
        ),
      ]),
    );
  const services = await createServices(config, {
    topology,
    busLockDurationMs: options.busLockDurationMs,
    busClock: options.busClock,
  });
  useServices(services);
  const products = generateCatalogue(options.products ?? 60, undefined, {
    variants: options.variants ?? false,
  });
  if (products.length > 0) {
    await services.products.bulkUpsert(products);
    await insertMissingInventory(services.sql.db, products.flatMap(demoStartingInventory));
    await services.search.upsert(products);
  }
  let host: LocalHost | undefined;
  if (options.host !== false) {
    host = await startLocalHost({
      definitions: options.definitions ?? allFunctions,
      services,
      port: 0,
      logger: createLogger('silent'),
      busIdlePollMs: 50,
      staticDir: options.staticDir,
    });
  }
  return {
    services,
    products,
    url: host?.url ?? '',
    host,
    dataDir,
    async token(sub, roles = ['shopper'], expiresIn) {
      const issuer = services.localIssuer;
      if (!issuer) throw new Error('no local issuer');
      return (await issuer.issue({ sub, email: `${sub}@example.test`, name: sub, roles, expiresIn })).token;
    },
    async close() {
      await host?.stop();
      await services.close();
      useServices(undefined);
      if (!options.dataDir) await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A request as the Functions runtime would construct it, for calling handlers directly. */
export function httpRequest(
  method: string,
  pathAndQuery: string,
  init: { params?: Record<string, string>; headers?: Record<string, string>; body?: unknown } = {},
): HttpRequest {
  const body =
    init.body === undefined
      ? undefined
      : { string: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) };
  return new HttpRequest({
    method,
    url: `http://localhost:7071/api/${pathAndQuery.replace(/^\//, '')}`,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...init.headers },
    params: init.params ?? {},
    body,
  });
}

export function invocation(functionName = 'test'): InvocationContext {
  return new InvocationContext({ invocationId: `test-${Date.now()}`, functionName, logHandler: () => {} });
}

export async function responseJson(response: { body?: unknown; jsonBody?: unknown }): Promise<unknown> {
  if (response.jsonBody !== undefined) return response.jsonBody;
  return typeof response.body === 'string' ? JSON.parse(response.body) : undefined;
}

/** A unique name for things on shared servers (databases, key prefixes). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
}

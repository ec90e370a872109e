import path from 'node:path';
import { allFunctions } from '../functions/definitions';
import {
  type LazyAzurite,
  pingBlobStorage,
  startLazyLocalAzurite,
} from '../shared/adapters/storage/local-azurite';
import { bumpCatalogueVersion } from '../shared/catalogue/catalogue.service';
import { rebuildSearchIndex } from '../shared/catalogue/catalogue-admin.service';
import { hasCatalogueSnapshot, loadCatalogue, readOrGenerateCatalogue } from '../shared/catalogue/demo-seed';
import { withVariantAvailability } from '../shared/catalogue/index-availability';
import { parseConfig } from '../shared/platform/config';
import { startLocalHost } from '../shared/platform/local-host/local-host';
import { environmentWithLocalSettings } from '../shared/platform/local-host/local-settings';
import { chooseLogFormat, createLogger, createProgress, type Logger } from '../shared/platform/logging';
import { createServices, useServices } from '../shared/platform/services';
import { ensureWebBuilt } from './web-build';

/** `npm start`: the whole shop on this machine, with embedded stand-ins for every Azure service. */
async function main(): Promise<void> {
  const started = performance.now();
  // LOG_LEVEL=debug: where the start-up went, step by step (ms since start).
  const phases: Record<string, number> = { 'process to main': Math.round(started) };
  const mark = (phase: string) => {
    phases[phase] = Math.round(performance.now() - started);
  };
  const config = parseConfig(environmentWithLocalSettings());
  const format = chooseLogFormat();
  const logger = createLogger(config.logLevel, { format });
  const firstStart = !hasCatalogueSnapshot(config.dataDir);
  // A first start takes seconds (a new PGlite database, a generated catalogue): show it moving.
  const steps = firstStart
    ? createProgress('first start', 6, { format, minimum: config.logLevel })
    : undefined;
  steps?.update(0, 'creating the local database and generating the catalogue');

  // Independent parts start together: PGlite compiles its WebAssembly off the main thread while
  // the catalogue is read (or generated) and the storefront is built if its sources changed;
  // Azurite's port is taken now, Azurite loads on first use.
  const servicesStarting = createServices(config);
  const webBuilding = ensureWebBuilt(logger);
  webBuilding.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  const azuriteStarting =
    config.storageConnection === 'UseDevelopmentStorage=true' ? startAzurite(logger) : undefined;
  const catalogue = await readOrGenerateCatalogue(config.dataDir);
  mark('catalogue read');
  steps?.update(1, 'creating the local database');
  const services = await servicesStarting;
  mark('services open');
  useServices(services);
  steps?.update(2, 'loading the catalogue');

  const azurite = await azuriteStarting;
  if (azurite) {
    services.extraHealthChecks = {
      storage: {
        critical: false,
        check: async () => {
          // A health check is no reason to load Azurite: until something used it, the port is held.
          if (!azurite.started()) return 'Azurite blob (starts on first use)';
          await pingBlobStorage(config.storageConnection);
          return 'Azurite blob';
        },
      },
    };
  }

  await loadCatalogue(services, catalogue.products);
  mark('catalogue loaded');
  steps?.update(3, 'building the search index');
  if (services.search.kind === 'embedded') {
    if (services.productsEmbedded) {
      // The embedded store holds exactly this catalogue (just loaded): index it from memory, in
      // the store's id order, instead of reading 2,400 products back through the Cosmos client
      // and the server's query engine (~0.5 s of a warm start).
      const byId = [...catalogue.products].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const available = await withVariantAvailability(services.sql.db, byId);
      mark('stock read');
      await services.search.upsert(available);
      await bumpCatalogueVersion(services.cache);
    } else {
      await rebuildSearchIndex({ ...services, db: services.sql.db });
    }
  }
  mark('search indexed');
  steps?.update(4, 'checking the storefront build');
  const staticDir = await webBuilding;
  mark('storefront checked');
  steps?.update(5, 'opening the HTTP port');
  const host = await startLocalHost({
    definitions: allFunctions,
    services,
    port: config.port,
    logger,
    staticDir,
  }).catch(async (error: unknown) => {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    console.error(
      `Port ${config.port} is already in use (another shop, or \`func start\`?). Stop it, or start this shop on another port: PORT=${config.port + 1} npm start (PORT=0 picks a free one).`,
    );
    await services.close();
    await azurite?.close();
    process.exit(1);
  });
  mark('listening');
  logger('debug', 'start-up phases (ms)', phases);
  const memory = process.memoryUsage();
  logger('debug', 'memory at start-up (MB)', {
    rss: Math.round(memory.rss / 2 ** 20),
    heapUsed: Math.round(memory.heapUsed / 2 ** 20),
    heapTotal: Math.round(memory.heapTotal / 2 ** 20),
    external: Math.round(memory.external / 2 ** 20),
    arrayBuffers: Math.round(memory.arrayBuffers / 2 ** 20),
  });
  steps?.update(6);
  steps?.finish('first start done');
  const seeded = { products: catalogue.products.length, generated: catalogue.generated };

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    [
      '',
      `  Shop ready in ${seconds}s: ${host.url}/  (API: ${host.url}/api, health: ${host.url}/api/health)`,
      `  ${seeded.products} products${seeded.generated ? ' (generated on first run)' : ''}; data in ${path.relative(process.cwd(), config.dataDir) || '.'}/`,
      `  Sign in locally: POST ${host.url}/api/dev/token  {"sub":"alice","roles":["shopper"]}`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger('info', `${signal}: stopping`);
    await host.stop();
    await services.close();
    await azurite?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/**
 * Azurite's blob service on the port `UseDevelopmentStorage=true` names. When another shop (or
 * Azurite) has that port, this shop goes without: nothing `npm start` runs stores blobs (only
 * Core Tools' `func start` needs AzureWebJobsStorage), and its health does not report someone
 * else's storage as its own.
 */
async function startAzurite(logger: Logger): Promise<LazyAzurite | undefined> {
  try {
    return await startLazyLocalAzurite({ blobPort: 10000 });
  } catch (error) {
    logger('warn', 'Azurite blob port 10000 is taken (another shop?): this shop runs without blob storage', {
      error: String(error),
    });
    return undefined;
  }
}

/** Settles once the shop serves (scripts/start.mjs then writes the bundle's code cache). */
export const started = main();
started.catch((error) => {
  console.error(error);
  process.exit(1);
});

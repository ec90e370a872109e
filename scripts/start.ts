import path from 'node:path';
import { allFunctions } from '../functions/definitions';
import { pingBlobStorage, startLocalAzurite } from '../shared/adapters/storage/local-azurite';
import { rebuildSearchIndex } from '../shared/catalogue/catalogue-admin.service';
import { ensureDemoData } from '../shared/catalogue/demo-seed';
import { parseConfig } from '../shared/platform/config';
import { startLocalHost } from '../shared/platform/local-host/local-host';
import { environmentWithLocalSettings } from '../shared/platform/local-host/local-settings';
import { createLogger } from '../shared/platform/logging';
import { createServices, useServices } from '../shared/platform/services';
import { ensureWebBuilt } from './web-build';

/** `npm start`: the whole shop on this machine, with embedded stand-ins for every Azure service. */
async function main(): Promise<void> {
  const started = performance.now();
  const config = parseConfig(environmentWithLocalSettings());
  const logger = createLogger(config.logLevel);
  const services = await createServices(config);
  useServices(services);

  let azurite: { close(): Promise<void> } | undefined;
  if (config.storageConnection === 'UseDevelopmentStorage=true') {
    try {
      azurite = await startLocalAzurite({ blobPort: 10000 });
    } catch (error) {
      // Another shop (or Azurite) has the well-known port. Nothing `npm start` runs stores blobs
      // (only Core Tools' `func start` needs AzureWebJobsStorage), so this shop goes without,
      // and its health does not report someone else's storage as its own.
      logger(
        'warn',
        'Azurite blob port 10000 is taken (another shop?): this shop runs without blob storage',
        {
          error: String(error),
        },
      );
    }
  }
  if (azurite) {
    services.extraHealthChecks = {
      storage: {
        critical: false,
        check: async () => {
          await pingBlobStorage(config.storageConnection);
          return 'Azurite blob';
        },
      },
    };
  }

  const seeded = await ensureDemoData(services, {
    onProgress: (stage, done, total) => {
      if (stage === 'products' && (done === total || done % 1000 === 0))
        logger('info', `loading catalogue ${done}/${total}`);
    },
  });
  if (services.search.kind === 'embedded') await rebuildSearchIndex(services);
  const staticDir = await ensureWebBuilt(logger);
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

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

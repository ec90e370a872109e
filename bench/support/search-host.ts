import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allFunctions } from '../../functions/definitions';
import { generateCatalogue } from '../../shared/catalogue/demo-catalogue';
import { parseConfig } from '../../shared/platform/config';
import { startLocalHost } from '../../shared/platform/local-host/local-host';
import { createLogger } from '../../shared/platform/logging';
import { createServices, useServices } from '../../shared/platform/services';

// The local host with SEARCH_PRODUCTS generated products in its search index (search reads only
// the index, so the product store stays empty). Prints READY <url>.
async function main() {
  const count = Number(process.env.SEARCH_PRODUCTS ?? 10_000);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-search-'));
  const services = await createServices(parseConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: '0' }));
  useServices(services);
  const heapBefore = process.memoryUsage().heapUsed;
  await services.search.upsert(generateCatalogue(count));
  const indexHeapMb = Math.round((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20);
  const host = await startLocalHost({
    definitions: allFunctions,
    services,
    port: 0,
    logger: createLogger('warn'),
    timers: false,
  });
  console.log(`READY ${host.url} ${indexHeapMb}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

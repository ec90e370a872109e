import { rebuildSearchIndex } from '../shared/catalogue/catalogue-admin.service';
import { ensureDemoData } from '../shared/catalogue/demo-seed';
import { parseConfig } from '../shared/platform/config';
import { environmentWithLocalSettings } from '../shared/platform/local-host/local-settings';
import { createServices } from '../shared/platform/services';

/**
 * `npm run reindex`: rebuilds the search index from the product store, with progress. In Azure
 * (SEARCH_ENDPOINT set) this creates or updates the index and uploads every product. Locally the
 * embedded index lives in the host's memory and is rebuilt at every start; this checks it builds.
 */
async function main(): Promise<void> {
  const config = parseConfig(environmentWithLocalSettings());
  const services = await createServices(config);
  if (services.productsEmbedded) await ensureDemoData(services);
  const total = await services.products.count();
  const started = performance.now();
  const done = await rebuildSearchIndex(services, (n) => {
    process.stdout.write(
      `\r  indexing [${'#'.repeat(Math.round((n / Math.max(total, 1)) * 30)).padEnd(30, '.')}] ${n}/${total}`,
    );
  });
  process.stdout.write('\n');
  console.log(
    `Indexed ${done} products into the ${services.search.kind} index in ${Math.round(performance.now() - started)} ms.`,
  );
  await services.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

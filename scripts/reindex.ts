import { rebuildSearchIndex } from '../shared/catalogue/catalogue-admin.service';
import { ensureDemoData } from '../shared/catalogue/demo-seed';
import { parseConfig } from '../shared/platform/config';
import { environmentWithLocalSettings } from '../shared/platform/local-host/local-settings';
import { createServices } from '../shared/platform/services';

/**
 * `npm run reindex`: rebuilds the search index from the product store, with progress. In Azure
 * (SEARCH_ENDPOINT set) this creates or updates the index and uploads every product. Locally the
 * embedded index lives in the running host's memory (rebuilt at every start and kept current by
 * every admin change), which no other process can reach: this builds a copy, says so, and how long
 * it took.
 */
async function main(): Promise<void> {
  const config = parseConfig(environmentWithLocalSettings());
  const services = await createServices(config);
  if (services.productsEmbedded) await ensureDemoData(services);
  const total = await services.products.count();
  const started = performance.now();
  const done = await rebuildSearchIndex({ ...services, db: services.sql.db }, (n) => {
    process.stdout.write(
      `\r  indexing [${'#'.repeat(Math.round((n / Math.max(total, 1)) * 30)).padEnd(30, '.')}] ${n}/${total}`,
    );
  });
  process.stdout.write('\n');
  const ms = Math.round(performance.now() - started);
  if (services.search.kind === 'embedded') {
    console.log(
      `Built a copy of the local (embedded) search index from ${done} products in ${ms} ms, to check it builds. ` +
        'A running shop is not changed: its index lives in its own memory, is rebuilt at every `npm start` ' +
        'and follows every admin change. Set SEARCH_ENDPOINT to rebuild an Azure AI Search index.',
    );
  } else {
    console.log(`Indexed ${done} products into the Azure AI Search index in ${ms} ms.`);
  }
  await services.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

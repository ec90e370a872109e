import { reseedDemoData } from '../shared/catalogue/demo-seed';
import { parseConfig } from '../shared/platform/config';
import { environmentWithLocalSettings } from '../shared/platform/local-host/local-settings';
import { createServices } from '../shared/platform/services';

/** `npm run seed`: regenerates the demo catalogue and resets stock, with progress. */
async function main(): Promise<void> {
  const config = parseConfig(environmentWithLocalSettings());
  const services = await createServices(config);
  const count = Number(process.argv[2] ?? '') || undefined;
  const width = 30;
  const total = await reseedDemoData(services, {
    count,
    onProgress: (stage, done, all) => {
      const filled = Math.round((done / Math.max(all, 1)) * width);
      process.stdout.write(
        `\r  ${stage.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${all}`,
      );
      if (done >= all) process.stdout.write('\n');
    },
  });
  console.log(`Seeded ${total} products and their stock into ${services.sql.describe}.`);
  if (services.productsEmbedded) console.log('The local host loads this catalogue at its next start.');
  await services.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

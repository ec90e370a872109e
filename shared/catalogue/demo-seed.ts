import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { insertMissingInventory, replaceInventory } from '../inventory/inventory.repository';
import type { Services } from '../platform/services';
import { demoStartingInventory, generateCatalogue } from './demo-catalogue';
import type { Product } from './product';

export const demoCatalogueSize = 2400;

export type SeedProgress = (stage: string, done: number, total: number) => void;

function snapshotFile(dataDir: string): string {
  return path.join(dataDir, 'catalogue.json');
}

/** True once a catalogue was generated (or loaded) in this data folder. */
export function hasCatalogueSnapshot(dataDir: string): boolean {
  return existsSync(snapshotFile(dataDir));
}

/**
 * The local catalogue's durable copy. The embedded Cosmos server keeps nothing on disk, so
 * the local host loads this file at every start, and admin changes write it back.
 */
export async function readCatalogueSnapshot(dataDir: string): Promise<Product[] | undefined> {
  try {
    return JSON.parse(await fs.readFile(snapshotFile(dataDir), 'utf8')) as Product[];
  } catch {
    return undefined;
  }
}

export async function writeCatalogueSnapshot(dataDir: string, products: Product[]): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true });
  const file = snapshotFile(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(products));
  await fs.rename(temporary, file); // atomic: a crash never leaves half a catalogue
}

function startingStock(products: Product[]) {
  return products.flatMap(demoStartingInventory);
}

/**
 * The local catalogue: the snapshot when there is one, else a freshly generated demo catalogue
 * (written as the snapshot). Needs no services, so the local host runs it while they start.
 */
export async function readOrGenerateCatalogue(
  dataDir: string,
  count = demoCatalogueSize,
): Promise<{ products: Product[]; generated: boolean }> {
  const snapshot = await readCatalogueSnapshot(dataDir);
  if (snapshot) return { products: snapshot, generated: false };
  const products = generateCatalogue(count);
  await writeCatalogueSnapshot(dataDir, products);
  return { products, generated: true };
}

/**
 * Puts a catalogue into an empty (memory-only) product store, and gives every product without
 * stock its starting stock. Stock rows are only looked at when some may be missing: fewer rows
 * than the catalogue's SKUs (a warm start then costs one count, not 2,400 lookups). A SKU whose
 * row was deleted while others were added is the one case this skips; `npm run seed` resets stock.
 */
export async function loadCatalogue(
  services: Services,
  products: Product[],
  onProgress?: SeedProgress,
): Promise<void> {
  // The embedded store starts empty in every process (memory only): no count query to ask it
  // (its query engine compiles each new query with Babel: ~0.3 s of a warm start).
  if (services.productsEmbedded || (await services.products.count()) === 0) {
    await services.products.bulkUpsert(products, (done) => onProgress?.('products', done, products.length));
  }
  const rows = startingStock(products);
  const stock = await services.sql.db
    .selectFrom('inventory')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  const inserted =
    Number(stock?.n ?? 0) >= rows.length ? 0 : await insertMissingInventory(services.sql.db, rows);
  onProgress?.('inventory', inserted, products.length);
}

/**
 * Makes sure there is a catalogue and stock: on first run generates the demo catalogue;
 * on later runs reloads the snapshot into the (memory-only) embedded product store.
 */
export async function ensureDemoData(
  services: Services,
  options: { count?: number; onProgress?: SeedProgress } = {},
): Promise<{ products: number; generated: boolean }> {
  const { products, generated } = await readOrGenerateCatalogue(services.config.dataDir, options.count);
  await loadCatalogue(services, products, options.onProgress);
  return { products: products.length, generated };
}

/** Regenerates the demo catalogue and resets stock (`npm run seed`). */
export async function reseedDemoData(
  services: Services,
  options: { count?: number; onProgress?: SeedProgress } = {},
): Promise<number> {
  const products = generateCatalogue(options.count ?? demoCatalogueSize);
  await writeCatalogueSnapshot(services.config.dataDir, products);
  await services.products.bulkUpsert(products, (done) =>
    options.onProgress?.('products', done, products.length),
  );
  await replaceInventory(services.sql.db, startingStock(products));
  options.onProgress?.('inventory', products.length, products.length);
  return products.length;
}

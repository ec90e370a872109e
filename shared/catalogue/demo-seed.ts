import fs from 'node:fs/promises';
import path from 'node:path';
import { insertMissingInventory, replaceInventory } from '../inventory/inventory.repository';
import type { Services } from '../platform/services';
import { demoStartingStock, generateCatalogue } from './demo-catalogue';
import type { Product } from './product';

export const demoCatalogueSize = 2400;

export type SeedProgress = (stage: string, done: number, total: number) => void;

function snapshotFile(dataDir: string): string {
  return path.join(dataDir, 'catalogue.json');
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
  return products.map((product) => ({
    sku: product.sku,
    productId: product.id,
    onHand: demoStartingStock(product),
  }));
}

/**
 * Makes sure there is a catalogue and stock: on first run generates the demo catalogue;
 * on later runs reloads the snapshot into the (memory-only) embedded product store.
 */
export async function ensureDemoData(
  services: Services,
  options: { count?: number; onProgress?: SeedProgress } = {},
): Promise<{ products: number; generated: boolean }> {
  const { config, products: store } = services;
  let products = await readCatalogueSnapshot(config.dataDir);
  const generated = products === undefined;
  if (!products) {
    products = generateCatalogue(options.count ?? demoCatalogueSize);
    await writeCatalogueSnapshot(config.dataDir, products);
  }
  if ((await store.count()) === 0) {
    await store.bulkUpsert(products, (done) => options.onProgress?.('products', done, products.length));
  }
  const inserted = await insertMissingInventory(services.sql.db, startingStock(products));
  options.onProgress?.('inventory', inserted, products.length);
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

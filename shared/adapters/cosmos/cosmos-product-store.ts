import type { Container, CosmosClient, SqlParameter } from '@azure/cosmos';
import type { Product } from '../../catalogue/product';
import type { ProductPageQuery, ProductStore } from '../../catalogue/product-store.port';
import { createBatcher } from '../../platform/batcher';

const systemFields = ['_rid', '_self', '_etag', '_attachments', '_ts'] as const;

function withoutSystemFields(document: Record<string, unknown>): Product {
  const copy = { ...document };
  for (const field of systemFields) delete copy[field];
  return copy as unknown as Product;
}

function isStatus(error: unknown, code: number): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

/**
 * Products in Cosmos DB, container partitioned by `/id`: point reads (the hot path) hit one
 * partition; category listing is a cross-partition query in id order.
 */
export class CosmosProductStore implements ProductStore {
  private constructor(
    private readonly client: CosmosClient,
    private readonly container: Container,
  ) {}

  /**
   * Concurrent `getMany` calls (Pay Now's price checks) share reads: while `maxInFlight`
   * batches are running, later calls queue and the next batch reads each distinct id once. A
   * call never joins a read already sent, so it never sees a state older than its own start.
   * A failed batch runs each call alone, so errors stay the caller's.
   */
  private readonly batchedReads = createBatcher<readonly string[], Array<Product | undefined>>({
    // Room for most concurrent calls to go out at once: a queued call waits for a whole read,
    // which at 4 cost the 2,000-SKU checkout bench throughput (no repeats to share there).
    maxInFlight: 16,
    maxBatch: 64,
    runBatch: async (calls) => {
      const found = await this.readByIds([...new Set(calls.flat())]);
      return calls.map((ids) => ids.map((id) => found.get(id)));
    },
  });

  /**
   * `create: true` makes the database and container when missing (the embedded server starts
   * empty). In Azure, Bicep declares them and the app's data-plane role cannot create them:
   * the store only reads the container's metadata, which also proves the role is in place.
   */
  static async open(
    client: CosmosClient,
    database: string,
    containerName: string,
    options: { create: boolean },
  ): Promise<CosmosProductStore> {
    if (!options.create) {
      const container = client.database(database).container(containerName);
      await container.read();
      return new CosmosProductStore(client, container);
    }
    const { database: db } = await client.databases.createIfNotExists({ id: database });
    const { container } = await db.containers.createIfNotExists({
      id: containerName,
      partitionKey: { paths: ['/id'] },
    });
    return new CosmosProductStore(client, container);
  }

  async get(id: string): Promise<Product | undefined> {
    try {
      const { resource } = await this.container.item(id, id).read<Record<string, unknown>>();
      return resource ? withoutSystemFields(resource) : undefined;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async getMany(ids: readonly string[]): Promise<Array<Product | undefined>> {
    if (ids.length === 0) return [];
    return this.batchedReads(ids);
  }

  /**
   * Distinct ids -> products, by point reads in parallel. Not a query (`IN`, or readMany, which
   * @azure/cosmos 4.9 lacks and other SDKs run as queries): on Azure a point read is 1 RU for a
   * 1 KB item, the cheapest read there is, while a query costs ~2-3 RU at least, needs a
   * query-plan request first when it crosses partitions, and only costs fewer RUs than point
   * reads when it returns several items (learn.microsoft.com/azure/cosmos-db/optimize-cost-reads-writes;
   * a measured 25-item case: 6.75 RU by query vs 25 RU by point reads,
   * github.com/Azure/azure-cosmos-dotnet-v3/discussions/3610). Carts are short, and the local
   * server has no index: a query scans every product (12 ids over 2,400 products: ~20 ms of our
   * CPU, vs ~6 ms for 12 point reads; 4 s over 20,000), so a query path could not be measured here.
   * What batching saves is repeats: concurrent Pay Nows for one hot product share one read.
   */
  private async readByIds(ids: readonly string[]): Promise<Map<string, Product>> {
    const products = await Promise.all(ids.map((id) => this.get(id)));
    const found = new Map<string, Product>();
    for (const product of products) if (product) found.set(product.id, product);
    return found;
  }

  async page(query: ProductPageQuery): Promise<Product[]> {
    const limit = Math.max(1, Math.min(1000, Math.trunc(query.limit)));
    const conditions: string[] = [];
    const parameters: SqlParameter[] = [];
    if (query.afterId) {
      conditions.push('c.id > @afterId');
      parameters.push({ name: '@afterId', value: query.afterId });
    }
    if (query.category) {
      conditions.push('c.category = @category');
      parameters.push({ name: '@category', value: query.category });
    }
    const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
    const { resources } = await this.container.items
      .query<Record<string, unknown>>({
        query: `SELECT TOP ${limit} * FROM c${where} ORDER BY c.id`,
        parameters,
      })
      .fetchAll();
    return resources.map(withoutSystemFields);
  }

  async upsert(product: Product): Promise<void> {
    await this.container.items.upsert(product);
  }

  async remove(id: string): Promise<boolean> {
    try {
      await this.container.item(id, id).delete();
      return true;
    } catch (error) {
      if (isStatus(error, 404)) return false;
      throw error;
    }
  }

  async bulkUpsert(products: Product[], onProgress?: (done: number) => void): Promise<void> {
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < products.length) {
        const product = products[next++]!;
        await this.container.items.upsert(product);
        done++;
        if (onProgress && done % 100 === 0) onProgress(done);
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    onProgress?.(done);
  }

  async count(): Promise<number> {
    const { resources } = await this.container.items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll();
    return resources.reduce((sum, n) => sum + n, 0);
  }

  async setDisplayedAvailability(
    id: string,
    displayed: { available: number; lowStock: boolean; updatedAt: string },
  ): Promise<void> {
    try {
      // A patch, not a read-modify-write: it cannot overwrite a concurrent admin edit.
      await this.container
        .item(id, id)
        .patch([{ op: 'set', path: '/displayedAvailability', value: displayed }]);
    } catch (error) {
      if (!isStatus(error, 404)) throw error; // a deleted product has nothing to display
    }
  }

  async ping(): Promise<void> {
    await this.container.read();
  }

  async close(): Promise<void> {
    this.client.dispose();
  }
}

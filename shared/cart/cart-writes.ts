import type { Db } from '../adapters/sql/schema';
import { compareKeys, isUniqueViolation, withTransientRetry } from '../adapters/sql/transient-errors';
import type { Product, Variant } from '../catalogue/product';
import { holdStock, readStockLevel, releaseStock, type StockLevel } from '../inventory/inventory.repository';
import { type Batched, batcherFor } from '../platform/batcher';
import {
  type CartLineRow,
  deleteCartLineIfHeld,
  findCartLine,
  insertCartLine,
  type LineWrite,
  type LineWriteRequest,
  listCartLines,
  maxLinesPerStatement,
  refreshHolds,
  setLineInOneStatement,
  setLinesInOneStatement,
  updateCartLineIfHeld,
} from './cart.repository';

/**
 * The cart's line writes (each moves a line and its held stock together). Two implementations
 * with the same behaviour (cart-writes.contract.ts): `portableCartWrites`, Kysely transactions
 * that run on Azure SQL and PostgreSQL, and `postgresCartWrites`, one PostgreSQL statement per
 * change shared by concurrent adds. Services pick one when they are built (services.ts).
 */
export interface CartWrites {
  readonly kind: 'portable' | 'postgres';
  /** Sets the line to `request.quantity`, taking or giving back the difference; lost races run again. */
  setLine(request: LineRequest): Promise<LineSet>;
  /**
   * Drops the SKU's line and gives its held units back, and renews the cart's other holds to
   * `holdExpiresAt` (any change renews every hold still in force); the SKUs whose stock moved.
   */
  removeLine(userId: string, sku: string, holdExpiresAt: Date): Promise<string[]>;
}

/** Setting one SKU's line (a product's, or one of its variants') in a shopper's cart. */
export interface LineRequest {
  userId: string;
  product: Product;
  /** The variant being bought, for a product with variants (its SKU and price win). */
  variant?: Variant;
  quantity: number;
  now: Date;
  holdExpiresAt: Date;
  maxLines: number;
}

/** What setting a line did: nothing is written unless it `changed`. */
export type LineSet =
  | { outcome: 'changed'; lines: CartLineRow[]; level?: StockLevel }
  /** `available`: the most this line could hold now. */
  | { outcome: 'out_of_stock'; available: number }
  | { outcome: 'cart_full' };

/** Thrown inside a transaction when a concurrent change got there first: roll back, try again. */
class LostRace extends Error {}

/**
 * Runs a cart write (a transaction, or a statement that is one) again when it lost: a
 * compare-and-set that found the line changed, two inserts of one new line, or a deadlock
 * victim or serialization failure (withTransientRetry), with a short jittered wait between.
 */
function withRetries<T>(work: () => Promise<T>): Promise<T> {
  return withTransientRetry(work, {
    attempts: 5,
    alsoRetry: (error) => error instanceof LostRace || isUniqueViolation(error),
  });
}

// The one hold rule (cart page, docs/api.md): any change to the cart renews every hold still in
// force to the same expiry, so the cart's lines never show different countdowns. Lines already
// renewed to this expiry are not written again.
function refreshHoldsBefore(request: LineRequest): Date {
  return request.holdExpiresAt;
}

/** The portable writes: Kysely statements in one transaction per change (the Azure SQL path). */
export function portableCartWrites(db: Db): CartWrites {
  return {
    kind: 'portable',
    setLine: (request) => withRetries(() => setLineInTransaction(db, request)),
    removeLine: (userId, sku, holdExpiresAt) => removeLineInTransaction(db, userId, sku, holdExpiresAt),
  };
}

/** The SKU, price and options a request's line carries: its variant's, else its product's. */
function lineIdentity(request: LineRequest) {
  const { product, variant } = request;
  return {
    sku: variant?.sku ?? product.sku,
    unitPriceMinor: variant?.priceMinor ?? product.priceMinor,
    variantOptions: variant?.options ?? null,
  };
}

/**
 * PostgreSQL (and PGlite): each line set is one statement (one round trip), and concurrent
 * sets share statements. Removing a line is the portable transaction on every engine.
 */
export function postgresCartWrites(db: Db): CartWrites {
  return {
    kind: 'postgres',
    setLine: (request) => withRetries(() => setLineInOneRoundTrip(db, request)),
    removeLine: (userId, sku, holdExpiresAt) => removeLineInTransaction(db, userId, sku, holdExpiresAt),
  };
}

/*
 * Concurrent adds on one database handle share statements: while a few are running, the next
 * requests queue and go together in one statement (no two of one user or SKU), which is about
 * three times the throughput (bench/results/design-measurements.md). A lone add keeps its own
 * statement, which is faster than a batch of one.
 */
function lineWriterFor(db: Db): Batched<LineWriteRequest, LineWrite> {
  return batcherFor(db, 'cart lines', () => ({
    maxBatch: maxLinesPerStatement,
    keysOf: ({ line }) => [`user:${line.userId}`, `sku:${line.sku}`],
    runOne: ({ line, options }) => setLineInOneStatement(db, line, options),
    runBatch: (requests) => setLinesInOneStatement(db, requests),
  }));
}

/** The line the one-statement writes set for `request`, and their options. */
export function lineWriteRequest(request: LineRequest): LineWriteRequest {
  const { userId, product, quantity, now, holdExpiresAt, maxLines } = request;
  return {
    line: {
      userId,
      productId: product.id,
      ...lineIdentity(request),
      name: product.name,
      currency: product.currency,
      quantity,
      holdExpiresAt,
      addedAt: now,
    },
    options: { maxLines, refreshHoldsBefore: refreshHoldsBefore(request) },
  };
}

async function setLineInOneRoundTrip(db: Db, request: LineRequest): Promise<LineSet> {
  const write = await lineWriterFor(db)(lineWriteRequest(request));
  switch (write.outcome) {
    case 'changed':
      return { outcome: 'changed', lines: write.lines, level: write.level };
    case 'cart_full':
      return { outcome: 'cart_full' };
    case 'out_of_stock':
      return {
        outcome: 'out_of_stock',
        available: Math.max(0, write.availableBefore + write.previouslyHeld),
      };
    case 'lost_race':
      throw new LostRace();
  }
}

/** The same change as portable Kysely statements in one transaction (the Azure SQL path). */
function setLineInTransaction(db: Db, request: LineRequest): Promise<LineSet> {
  const { userId, product, quantity, now, holdExpiresAt, maxLines } = request;
  const { sku, unitPriceMinor, variantOptions } = lineIdentity(request);
  return db
    .transaction()
    .execute(async (trx): Promise<LineSet> => {
      let level: StockLevel | undefined;
      // One read gives this line, the line count and everything the response shows.
      const lines = await listCartLines(trx, userId);
      const line = lines.find((l) => l.sku === sku);
      const currentlyHeld = line?.heldQuantity ?? 0;
      const delta = quantity - currentlyHeld;
      if (!line && lines.length >= maxLines) return { outcome: 'cart_full' };
      const change = {
        quantity,
        heldQuantity: quantity,
        holdExpiresAt,
        unitPriceMinor,
        name: product.name,
      };
      const updated: CartLineRow = line
        ? { ...line, ...change }
        : {
            userId,
            productId: product.id,
            sku,
            variantOptions,
            currency: product.currency,
            addedAt: now,
            ...change,
          };
      const refreshBefore = refreshHoldsBefore(request);
      const isStale = (l: CartLineRow) => l.heldQuantity > 0 && l.holdExpiresAt < refreshBefore;
      const others = lines.filter((l) => l.sku !== sku);
      // Lock order (transient-errors.ts): this cart's existing lines in key order (the stale holds
      // before this line, this line, the stale holds after it), then the inventory row, then a new
      // line (whose foreign key reads the inventory row this transaction has just locked).
      if (line) {
        const staleBefore = others.some((l) => isStale(l) && compareKeys(l.sku, sku) < 0);
        const staleAfter = others.some((l) => isStale(l) && compareKeys(l.sku, sku) > 0);
        if (staleBefore) await refreshHolds(trx, userId, holdExpiresAt, refreshBefore, { below: sku });
        if (!(await updateCartLineIfHeld(trx, userId, sku, currentlyHeld, change))) throw new LostRace();
        if (staleAfter) await refreshHolds(trx, userId, holdExpiresAt, refreshBefore, { above: sku });
      } else if (others.some(isStale)) {
        await refreshHolds(trx, userId, holdExpiresAt, refreshBefore);
      }
      // The inventory row is the contended one (a hot SKU): touch it last, so its lock is held
      // only until the commit that follows.
      if (delta > 0) {
        level = await holdStock(trx, sku, delta);
        if (!level) {
          const stock = await readStockLevel(trx, sku);
          // Nothing is written: the refreshes above roll back with the transaction.
          throw new OutOfStock(Math.max(0, (stock?.available ?? 0) + currentlyHeld));
        }
      }
      if (delta < 0) {
        level = await releaseStock(trx, sku, -delta);
        if (!level) throw new LostRace();
      }
      if (!line) await insertCartLine(trx, updated);
      const refreshed = others.map((l) => (isStale(l) ? { ...l, holdExpiresAt } : l));
      const after = line
        ? lines.map((l) => (l.sku === sku ? updated : refreshed.find((r) => r.sku === l.sku)!))
        : [...refreshed, updated];
      return { outcome: 'changed', lines: after, level };
    })
    .catch((error: unknown) => {
      if (error instanceof OutOfStock) return { outcome: 'out_of_stock', available: error.available };
      throw error;
    });
}

/** Rolls the transaction back (its hold refreshes too) when the stock is short. */
class OutOfStock extends Error {
  constructor(readonly available: number) {
    super('out of stock');
  }
}

/** The line first, then the stock (the one lock order, transient-errors.ts). */
function removeLineInTransaction(
  db: Db,
  userId: string,
  sku: string,
  holdExpiresAt: Date,
): Promise<string[]> {
  return withRetries(() =>
    db.transaction().execute(async (trx) => {
      const line = await findCartLine(trx, userId, sku);
      if (!line) return [];
      // The lock order of setLine: the cart's lines in key order around this one, then stock.
      await refreshHolds(trx, userId, holdExpiresAt, holdExpiresAt, { below: sku });
      if (!(await deleteCartLineIfHeld(trx, userId, sku, line.heldQuantity))) throw new LostRace();
      await refreshHolds(trx, userId, holdExpiresAt, holdExpiresAt, { above: sku });
      if (line.heldQuantity > 0 && !(await releaseStock(trx, line.sku, line.heldQuantity)))
        throw new LostRace();
      return line.heldQuantity > 0 ? [line.sku] : [];
    }),
  );
}

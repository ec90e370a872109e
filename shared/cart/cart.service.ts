import * as z from 'zod';
import { writesInOneStatement } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';
import { compareKeys, isUniqueViolation, withTransientRetry } from '../adapters/sql/transient-errors';
import { type CatalogueDeps, getProduct } from '../catalogue/catalogue.service';
import type { Product } from '../catalogue/product';
import { holdStock, readStockLevel, releaseStock, type StockLevel } from '../inventory/inventory.repository';
import { type Batched, batcherFor } from '../platform/batcher';
import { AppError, isAppError } from '../platform/errors';
import { parseWith } from '../platform/http';
import {
  type CartLineRow,
  deleteCartLineIfHeld,
  findCartLine,
  findExpiredHolds,
  insertCartLine,
  type LineWrite,
  type LineWriteRequest,
  listCartLines,
  markHoldReleased,
  maxLinesPerStatement,
  refreshHolds,
  setLineInOneStatement,
  setLinesInOneStatement,
  updateCartLineIfHeld,
} from './cart.repository';

export interface CartSettings {
  holdMinutes: number;
  maxLineQuantity: number;
  maxLines?: number;
}

export interface CartDeps {
  db: Db;
  catalogue: CatalogueDeps;
  settings: CartSettings;
  now?: () => Date;
}

export interface CartLineView {
  productId: string;
  sku: string;
  name: string;
  imageUrl: string;
  unitPriceMinor: number;
  currency: string;
  quantity: number;
  lineTotalMinor: number;
  holdExpiresAt: string;
  holdStatus: 'held' | 'lapsed';
  /**
   * The product's price now, when it is not the price the line was added at (`unitPriceMinor`):
   * Pay Now would answer `409 price_changed`. Setting the line again (PUT) takes the new price.
   */
  currentPrice?: { unitPriceMinor: number; currency: string };
  /** The product is no longer sold: Pay Now refuses (`409 product_unavailable`) until it is removed. */
  unavailable?: true;
}

export interface CartView {
  lines: CartLineView[];
  itemCount: number;
  totalMinor: number;
  currency: string;
  holdMinutes: number;
}

/** A cart change plus what it did to availability (for caches and live pages). */
export interface CartChange {
  cart: CartView;
  /** SKUs whose availability moved, when the new level is not known. */
  changedSkus: string[];
  /** New stock levels straight from the conditional updates. */
  levels: StockLevel[];
}

const defaultMaxLines = 50;

export function isHeld(
  line: Pick<CartLineRow, 'heldQuantity' | 'quantity' | 'holdExpiresAt'>,
  now: Date,
): boolean {
  return line.heldQuantity === line.quantity && line.holdExpiresAt > now;
}

export function cartView(lines: CartLineRow[], settings: CartSettings, now: Date): CartView {
  const views = lines.map(
    (line): CartLineView => ({
      productId: line.productId,
      sku: line.sku,
      name: line.name,
      imageUrl: `/api/products/${line.productId}/image`,
      unitPriceMinor: line.unitPriceMinor,
      currency: line.currency,
      quantity: line.quantity,
      lineTotalMinor: line.unitPriceMinor * line.quantity,
      holdExpiresAt: line.holdExpiresAt.toISOString(),
      holdStatus: isHeld(line, now) ? 'held' : 'lapsed',
    }),
  );
  return {
    lines: views,
    itemCount: views.reduce((sum, line) => sum + line.quantity, 0),
    totalMinor: views.reduce((sum, line) => sum + line.lineTotalMinor, 0),
    currency: views[0]?.currency ?? 'USD',
    holdMinutes: settings.holdMinutes,
  };
}

/**
 * `GET /api/cart`: the lines as stored, each compared with the catalogue so the shopper sees a
 * price change or a withdrawn product before Pay Now (the price rule, docs/api.md). The
 * comparison reads the catalogue through its cache, which is fine for showing: Pay Now checks
 * against the product store itself. If the catalogue cannot answer, the cart is shown unflagged.
 */
export async function getCart(deps: CartDeps, userId: string): Promise<CartView> {
  const view = cartView(
    await listCartLines(deps.db, userId),
    deps.settings,
    (deps.now ?? (() => new Date()))(),
  );
  const products = await Promise.all(
    view.lines.map((line) => currentProduct(deps.catalogue, line.productId)),
  );
  view.lines.forEach((line, i) => {
    const product = products[i]!;
    if (product === 'unknown') return;
    if (product === 'gone') line.unavailable = true;
    else if (product.priceMinor !== line.unitPriceMinor || product.currency !== line.currency)
      line.currentPrice = { unitPriceMinor: product.priceMinor, currency: product.currency };
  });
  return view;
}

async function currentProduct(
  catalogue: CatalogueDeps,
  productId: string,
): Promise<Product | 'gone' | 'unknown'> {
  try {
    return await getProduct(catalogue, productId);
  } catch (error) {
    return isAppError(error) && error.status === 404 ? 'gone' : 'unknown';
  }
}

const quantitySchemas = new Map<number, z.ZodType<{ quantity: number }>>();

export function quantitySchema(max: number): z.ZodType<{ quantity: number }> {
  let schema = quantitySchemas.get(max);
  if (!schema) {
    schema = z.object({
      quantity: z
        .number({ message: 'quantity must be a number' })
        .int('quantity must be a whole number')
        .min(1, 'quantity must be at least 1 (remove the line to drop it)')
        .max(max, `quantity may be at most ${max} per line`),
    });
    quantitySchemas.set(max, schema);
  }
  return schema;
}

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

/**
 * `PUT /api/cart/items/{productId}`: sets the line to `quantity`, taking or giving back
 * exactly the difference from what the line holds now. Not enough stock: 409, nothing changes.
 * On PostgreSQL this is one statement (one round trip); on Azure SQL, the portable transaction.
 */
export async function setLineQuantity(
  deps: CartDeps,
  userId: string,
  productId: string,
  body: unknown,
): Promise<CartChange> {
  const { quantity } = parseWith(quantitySchema(deps.settings.maxLineQuantity), body);
  const product = await getProduct(deps.catalogue, productId); // 404 for an unknown product
  const now = (deps.now ?? (() => new Date()))();
  const request: LineRequest = {
    userId,
    product,
    quantity,
    now,
    holdExpiresAt: new Date(now.getTime() + deps.settings.holdMinutes * 60_000),
    maxLines: deps.settings.maxLines ?? defaultMaxLines,
  };
  const write = writesInOneStatement(deps.db) ? setLineInOneRoundTrip : setLineInTransaction;
  const { lines, level } = await withRetries(() => write(deps.db, request));
  return { cart: cartView(lines, deps.settings, now), changedSkus: [], levels: level ? [level] : [] };
}

/** Setting one product's line in a shopper's cart. */
export interface LineRequest {
  userId: string;
  product: Product;
  quantity: number;
  now: Date;
  holdExpiresAt: Date;
  maxLines: number;
}

interface LineResult {
  lines: CartLineRow[];
  level?: StockLevel;
}

function outOfStock(request: LineRequest, available: number): AppError {
  const { product, quantity } = request;
  return new AppError(
    409,
    'out_of_stock',
    `Only ${available} of '${product.name}' can be in your cart now.`,
    {
      productId: product.id,
      requested: quantity,
      available,
    },
  );
}

function cartFull(maxLines: number): AppError {
  return new AppError(422, 'cart_full', `A cart holds at most ${maxLines} products.`);
}

// Activity keeps the other holds alive; refreshing more than once a minute buys nothing.
function refreshHoldsBefore(request: LineRequest): Date {
  return new Date(request.holdExpiresAt.getTime() - 60_000);
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
      sku: product.sku,
      name: product.name,
      unitPriceMinor: product.priceMinor,
      currency: product.currency,
      quantity,
      holdExpiresAt,
      addedAt: now,
    },
    options: { maxLines, refreshHoldsBefore: refreshHoldsBefore(request) },
  };
}

async function setLineInOneRoundTrip(db: Db, request: LineRequest): Promise<LineResult> {
  const write = await lineWriterFor(db)(lineWriteRequest(request));
  switch (write.outcome) {
    case 'changed':
      return { lines: write.lines, level: write.level };
    case 'cart_full':
      throw cartFull(request.maxLines);
    case 'out_of_stock':
      throw outOfStock(request, Math.max(0, write.availableBefore + write.previouslyHeld));
    case 'lost_race':
      throw new LostRace();
  }
}

/** The same change as portable Kysely statements in one transaction (the Azure SQL path). */
function setLineInTransaction(db: Db, request: LineRequest): Promise<LineResult> {
  const { userId, product, quantity, now, holdExpiresAt, maxLines } = request;
  const productId = product.id;
  return db.transaction().execute(async (trx) => {
    let level: StockLevel | undefined;
    // One read gives this line, the line count and everything the response shows.
    const lines = await listCartLines(trx, userId);
    const line = lines.find((l) => l.productId === productId);
    const currentlyHeld = line?.heldQuantity ?? 0;
    const delta = quantity - currentlyHeld;
    if (!line && lines.length >= maxLines) throw cartFull(maxLines);
    const change = {
      quantity,
      heldQuantity: quantity,
      holdExpiresAt,
      unitPriceMinor: product.priceMinor,
      name: product.name,
    };
    const updated: CartLineRow = line
      ? { ...line, ...change }
      : { userId, productId, sku: product.sku, currency: product.currency, addedAt: now, ...change };
    const refreshBefore = refreshHoldsBefore(request);
    const isStale = (l: CartLineRow) => l.heldQuantity > 0 && l.holdExpiresAt < refreshBefore;
    const others = lines.filter((l) => l.productId !== productId);
    // Lock order (transient-errors.ts): this cart's existing lines in key order (the stale holds
    // before this line, this line, the stale holds after it), then the inventory row, then a new
    // line (whose foreign key reads the inventory row this transaction has just locked).
    if (line) {
      const staleBefore = others.some((l) => isStale(l) && compareKeys(l.productId, productId) < 0);
      const staleAfter = others.some((l) => isStale(l) && compareKeys(l.productId, productId) > 0);
      if (staleBefore) await refreshHolds(trx, userId, holdExpiresAt, refreshBefore, { below: productId });
      if (!(await updateCartLineIfHeld(trx, userId, productId, currentlyHeld, change))) throw new LostRace();
      if (staleAfter) await refreshHolds(trx, userId, holdExpiresAt, refreshBefore, { above: productId });
    } else if (others.some(isStale)) {
      await refreshHolds(trx, userId, holdExpiresAt, refreshBefore);
    }
    // The inventory row is the contended one (a hot SKU): touch it last, so its lock is held
    // only until the commit that follows.
    if (delta > 0) {
      level = await holdStock(trx, product.sku, delta);
      if (!level) {
        const stock = await readStockLevel(trx, product.sku);
        throw outOfStock(request, Math.max(0, (stock?.available ?? 0) + currentlyHeld));
      }
    }
    if (delta < 0) {
      level = await releaseStock(trx, product.sku, -delta);
      if (!level) throw new LostRace();
    }
    if (!line) await insertCartLine(trx, updated);
    const refreshed = others.map((l) => (isStale(l) ? { ...l, holdExpiresAt } : l));
    const after = line
      ? lines.map((l) =>
          l.productId === productId ? updated : refreshed.find((r) => r.productId === l.productId)!,
        )
      : [...refreshed, updated];
    return { lines: after, level };
  });
}

/**
 * `DELETE /api/cart/items/{productId}`: drops the line and gives its held units back. The line
 * first, then the stock (the one lock order, transient-errors.ts).
 */
export async function removeLine(deps: CartDeps, userId: string, productId: string): Promise<CartChange> {
  const changed = await withRetries(() =>
    deps.db.transaction().execute(async (trx) => {
      const line = await findCartLine(trx, userId, productId);
      if (!line) return [];
      if (!(await deleteCartLineIfHeld(trx, userId, productId, line.heldQuantity))) throw new LostRace();
      if (line.heldQuantity > 0 && !(await releaseStock(trx, line.sku, line.heldQuantity)))
        throw new LostRace();
      return line.heldQuantity > 0 ? [line.sku] : [];
    }),
  );
  return { cart: await getCart(deps, userId), changedSkus: changed, levels: [] };
}

/**
 * The expiry sweep: releases the stock of every lapsed hold, exactly once even when two
 * sweepers run at the same time (each line is released by a compare-and-set in the same
 * transaction as its stock). Returns the SKUs it gave stock back to.
 */
export async function releaseExpiredHolds(
  deps: Pick<CartDeps, 'db'>,
  now: Date,
  batchSize = 500,
): Promise<string[]> {
  const released: string[] = [];
  for (;;) {
    const expired = await findExpiredHolds(deps.db, now, batchSize);
    for (const line of expired) {
      // The line, then its stock (the one lock order); a deadlock victim runs again.
      const won = await withTransientRetry(() =>
        deps.db.transaction().execute(async (trx) => {
          if (!(await markHoldReleased(trx, line, now))) return false;
          if (!(await releaseStock(trx, line.sku, line.heldQuantity))) {
            throw new Error(
              `Inventory of ${line.sku} holds less than cart line ${line.userId}/${line.productId}`,
            );
          }
          return true;
        }),
      );
      if (won) released.push(line.sku);
    }
    if (expired.length < batchSize) return released;
  }
}

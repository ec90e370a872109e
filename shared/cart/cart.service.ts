import { z } from 'zod';
import type { Db } from '../adapters/sql/schema';
import { type CatalogueDeps, getProduct } from '../catalogue/catalogue.service';
import { holdStock, readStockLevel, releaseStock, type StockLevel } from '../inventory/inventory.repository';
import { AppError } from '../platform/errors';
import { parseWith } from '../platform/http';
import {
  type CartLineRow,
  deleteCartLineIfHeld,
  findCartLine,
  findExpiredHolds,
  insertCartLine,
  listCartLines,
  markHoldReleased,
  refreshHolds,
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

export async function getCart(deps: CartDeps, userId: string): Promise<CartView> {
  return cartView(await listCartLines(deps.db, userId), deps.settings, (deps.now ?? (() => new Date()))());
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

async function withRetries<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const uniqueViolation = /duplicate key|unique constraint|violation of primary key/i.test(String(error));
      if (!(error instanceof LostRace || uniqueViolation) || attempt >= 5) throw error;
    }
  }
}

/**
 * `PUT /api/cart/items/{productId}`: sets the line to `quantity`, taking or giving back
 * exactly the difference from what the line holds now. Not enough stock: 409, nothing changes.
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
  const holdExpiresAt = new Date(now.getTime() + deps.settings.holdMinutes * 60_000);

  let level: StockLevel | undefined;
  const lines = await withRetries(() =>
    deps.db.transaction().execute(async (trx) => {
      level = undefined;
      // One read gives this line, the line count and everything the response shows.
      const lines = await listCartLines(trx, userId);
      const line = lines.find((l) => l.productId === productId);
      const currentlyHeld = line?.heldQuantity ?? 0;
      const delta = quantity - currentlyHeld;
      const maxLines = deps.settings.maxLines ?? defaultMaxLines;
      if (!line && lines.length >= maxLines) {
        throw new AppError(422, 'cart_full', `A cart holds at most ${maxLines} products.`);
      }
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
      if (line) {
        if (!(await updateCartLineIfHeld(trx, userId, productId, currentlyHeld, change)))
          throw new LostRace();
      } else {
        await insertCartLine(trx, updated);
      }
      // Activity keeps the other holds alive; refreshing more than once a minute buys nothing.
      const others = lines.filter((l) => l.productId !== productId);
      const stale = others.some(
        (l) => l.heldQuantity > 0 && l.holdExpiresAt.getTime() < holdExpiresAt.getTime() - 60_000,
      );
      if (stale) await refreshHolds(trx, userId, holdExpiresAt);
      // The inventory row is the contended one (a hot SKU): touch it last, so its lock is held
      // only until the commit that follows.
      if (delta > 0) level = await holdStock(trx, product.sku, delta);
      if (delta > 0 && !level) {
        const now = await readStockLevel(trx, product.sku);
        const available = Math.max(0, (now?.available ?? 0) + currentlyHeld);
        throw new AppError(
          409,
          'out_of_stock',
          `Only ${available} of '${product.name}' can be in your cart now.`,
          {
            productId,
            requested: quantity,
            available,
          },
        );
      }
      if (delta < 0) {
        level = await releaseStock(trx, product.sku, -delta);
        if (!level) throw new LostRace();
      }
      const refreshed = others.map((l) => (stale && l.heldQuantity > 0 ? { ...l, holdExpiresAt } : l));
      return line
        ? lines.map((l) =>
            l.productId === productId ? updated : refreshed.find((r) => r.productId === l.productId)!,
          )
        : [...refreshed, updated];
    }),
  );
  return { cart: cartView(lines, deps.settings, now), changedSkus: [], levels: level ? [level] : [] };
}

/** `DELETE /api/cart/items/{productId}`: drops the line and gives its held units back. */
export async function removeLine(deps: CartDeps, userId: string, productId: string): Promise<CartChange> {
  const changed = await withRetries(() =>
    deps.db.transaction().execute(async (trx) => {
      const line = await findCartLine(trx, userId, productId);
      if (!line) return [];
      if (line.heldQuantity > 0 && !(await releaseStock(trx, line.sku, line.heldQuantity)))
        throw new LostRace();
      if (!(await deleteCartLineIfHeld(trx, userId, productId, line.heldQuantity))) throw new LostRace();
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
      const won = await deps.db.transaction().execute(async (trx) => {
        if (!(await markHoldReleased(trx, line, now))) return false;
        if (!(await releaseStock(trx, line.sku, line.heldQuantity))) {
          throw new Error(
            `Inventory of ${line.sku} holds less than cart line ${line.userId}/${line.productId}`,
          );
        }
        return true;
      });
      if (won) released.push(line.sku);
    }
    if (expired.length < batchSize) return released;
  }
}

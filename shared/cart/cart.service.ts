import * as z from 'zod';
import type { Db } from '../adapters/sql/schema';
import { withTransientRetry } from '../adapters/sql/transient-errors';
import { type CatalogueDeps, getProduct } from '../catalogue/catalogue.service';
import type { Product, VariantOptions } from '../catalogue/product';
import { findVariant, hasVariants, sellsSku, unitPriceOf, variantLabel } from '../catalogue/variants';
import { releaseStock, type StockLevel } from '../inventory/inventory.repository';
import { AppError, isAppError } from '../platform/errors';
import { parseWith } from '../platform/http';
import { type CartLineRow, findExpiredHolds, listCartLines, markHoldReleased } from './cart.repository';
import type { CartWrites } from './cart-writes';

export interface CartSettings {
  holdMinutes: number;
  maxLineQuantity: number;
  maxLines?: number;
}

export interface CartDeps {
  db: Db;
  /** The line writes, chosen for the engine where services are built. */
  writes: CartWrites;
  catalogue: CatalogueDeps;
  settings: CartSettings;
  now?: () => Date;
}

export interface CartLineView {
  productId: string;
  /** The line's key: one line per SKU (a product with variants has one per variant bought). */
  sku: string;
  /** The variant's options, for a product with variants. */
  options?: VariantOptions;
  /** How the variant reads: "Size M" (absent without a variant). */
  variantLabel?: string;
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
      ...(line.variantOptions && {
        options: line.variantOptions,
        variantLabel: variantLabel(line.variantOptions),
      }),
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
    if (product === 'gone' || !sellsSku(product, line.sku)) line.unavailable = true;
    else {
      const price = unitPriceOf(product, line.sku);
      if (price !== line.unitPriceMinor || product.currency !== line.currency)
        line.currentPrice = { unitPriceMinor: price, currency: product.currency };
    }
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

interface LineBody {
  quantity: number;
  sku?: string;
}

const quantitySchemas = new Map<number, z.ZodType<LineBody>>();

export function quantitySchema(max: number): z.ZodType<LineBody> {
  let schema = quantitySchemas.get(max);
  if (!schema) {
    schema = z.object({
      quantity: z
        .number({ message: 'quantity must be a number' })
        .int('quantity must be a whole number')
        .min(1, 'quantity must be at least 1 (remove the line to drop it)')
        .max(max, `quantity may be at most ${max} per line`),
      sku: z.string().min(1).max(64).optional(),
    });
    quantitySchemas.set(max, schema);
  }
  return schema;
}

/**
 * Which variant `sku` names: required for a product with variants (422 `variant_required`), one
 * of its variants (422 `unknown_variant`); for a product without variants absent or its own SKU.
 */
function chooseVariant(product: Product, sku: string | undefined) {
  if (!hasVariants(product)) {
    if (sku !== undefined && sku !== product.sku)
      throw new AppError(422, 'unknown_variant', `'${product.name}' has no variant ${sku}.`, {
        productId: product.id,
        sku,
      });
    return undefined;
  }
  if (sku === undefined)
    throw new AppError(422, 'variant_required', `Choose a size of '${product.name}' (send its sku).`, {
      productId: product.id,
      skus: product.variants!.map((v) => v.sku),
    });
  const variant = findVariant(product, sku);
  if (!variant)
    throw new AppError(422, 'unknown_variant', `'${product.name}' has no variant ${sku}.`, {
      productId: product.id,
      sku,
    });
  return variant;
}

/**
 * `PUT /api/cart/items/{productId}` `{ quantity, sku? }`: sets the line of that SKU (the
 * product's own, or the variant `sku` names: required when the product has variants) to
 * `quantity`, taking or giving back exactly the difference from what the line holds now. Not
 * enough stock: 409, nothing changes. How it is written (one statement on PostgreSQL, a
 * transaction on Azure SQL) is `deps.writes`.
 */
export async function setLineQuantity(
  deps: CartDeps,
  userId: string,
  productId: string,
  body: unknown,
): Promise<CartChange> {
  const { quantity, sku } = parseWith(quantitySchema(deps.settings.maxLineQuantity), body);
  const product = await getProduct(deps.catalogue, productId); // 404 for an unknown product
  const variant = chooseVariant(product, sku);
  const now = (deps.now ?? (() => new Date()))();
  const maxLines = deps.settings.maxLines ?? defaultMaxLines;
  const set = await deps.writes.setLine({
    userId,
    product,
    variant,
    quantity,
    now,
    holdExpiresAt: holdExpiryAfter(now, deps.settings.holdMinutes),
    maxLines,
  });
  switch (set.outcome) {
    case 'cart_full':
      throw new AppError(422, 'cart_full', `A cart holds at most ${maxLines} products.`);
    case 'out_of_stock':
      throw new AppError(
        409,
        'out_of_stock',
        `Only ${set.available} of '${product.name}'${variant ? ` (${variantLabel(variant.options)})` : ''} can be in your cart now.`,
        {
          productId: product.id,
          ...(variant && { sku: variant.sku }),
          requested: quantity,
          available: set.available,
        },
      );
    case 'changed':
      return {
        cart: cartView(set.lines, deps.settings, now),
        changedSkus: [],
        levels: set.level ? [set.level] : [],
      };
  }
}

/**
 * When the holds of a change made at `now` lapse: whole seconds, so the lines changed within one
 * second share an expiry and renewing them (the one hold rule) writes no row twice.
 */
function holdExpiryAfter(now: Date, holdMinutes: number): Date {
  return new Date(Math.ceil((now.getTime() + holdMinutes * 60_000) / 1000) * 1000);
}

/**
 * `DELETE /api/cart/items/{productId}?sku=`: drops the line of that SKU, or without `sku` every
 * line of the product (all its variants), and gives their held units back.
 */
export async function removeLine(
  deps: CartDeps,
  userId: string,
  productId: string,
  sku?: string,
): Promise<CartChange> {
  // Only this product's lines: a SKU of another product is not dropped through this route.
  const lines = (await listCartLines(deps.db, userId)).filter(
    (l) => l.productId === productId && (sku === undefined || l.sku === sku),
  );
  const now = (deps.now ?? (() => new Date()))();
  const holdExpiresAt = holdExpiryAfter(now, deps.settings.holdMinutes);
  const changed: string[] = [];
  for (const line of lines) changed.push(...(await deps.writes.removeLine(userId, line.sku, holdExpiresAt)));
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
            throw new Error(`Inventory of ${line.sku} holds less than cart line ${line.userId}/${line.sku}`);
          }
          return true;
        }),
      );
      if (won) released.push(line.sku);
    }
    if (expired.length < batchSize) return released;
  }
}

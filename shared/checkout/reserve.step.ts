import { randomBytes } from 'node:crypto';
import type { Db } from '../adapters/sql/schema';
import { inLockOrder, isUniqueViolation, withTransientRetry } from '../adapters/sql/transient-errors';
import {
  addHeldUnitsToLine,
  type CartLineRow,
  insertCartLine,
  listCartLinesWithOrders,
  parseVariantOptions,
  repriceCartLine,
} from '../cart/cart.repository';
import type { ProductStore } from '../catalogue/product-store.port';
import { sellsSku, unitPriceOf } from '../catalogue/variants';
import type { Principal } from '../identity/principal';
import { returnSoldUnitsToHolds } from '../inventory/inventory.repository';
import type { OrderLineRow, OrderRow } from '../orders/orders.repository';
import type { CheckoutRequest } from './checkout-request';
import type { KeyClaim } from './idempotency';
import type { OrderDraft, Reservation, ReserveOutcome } from './reservation';

/*
 * Pay Now's first step, and its compensation beside it. `run` sells the cart's stock to a new
 * order `pending_payment` (through the Reservation port, in one transaction); `compensate` undoes
 * that for an order whose payment failed: the sold units go back, held, into the shopper's cart,
 * so a retry can pay for them.
 */

export interface ReserveDeps {
  db: Db;
  /** The reservation's write path for this engine (services.ts). */
  reservation: Reservation;
  holdMinutes: number;
  /** The product store (Cosmos), read for the current prices at Pay Now: never the cache. */
  products: Pick<ProductStore, 'getMany'>;
  /** Orders one shopper may have waiting for payment (3-D Secure) at once; default 1. */
  maxPendingPayments?: number;
}

function newOrderId(): string {
  return `ord_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

export const reserveStep = {
  /**
   * The pre-checks (a payment already pending, changed prices: refused before anything is
   * written), then the reservation. Its outcome says what was written, if anything.
   */
  async run(
    deps: ReserveDeps,
    shopper: Principal,
    claim: KeyClaim,
    request: CheckoutRequest,
  ): Promise<ReserveStepOutcome> {
    // Both pre-checks read from one round trip (the cart's lines and the shopper's unpaid orders).
    const basis = await listCartLinesWithOrders(deps.db, shopper.userId, pendingPaymentStatuses);
    const refused =
      paymentPending(deps, basis.orders) ?? (await changedPrices(deps, shopper.userId, basis.lines));
    if (refused) return refused;
    const now = new Date();
    const address = request.shippingAddress;
    const draft: OrderDraft = {
      id: newOrderId(),
      user_id: shopper.userId,
      status: 'pending_payment',
      email: (request.email ?? shopper.email).slice(0, 200),
      ship_name: address.name,
      ship_line1: address.line1,
      ship_line2: address.line2,
      ship_city: address.city,
      ship_postal_code: address.postalCode,
      ship_country: address.country,
      payment_provider: request.payment.provider,
      // The PayPal order id (needed to look the payment up) or the Stripe PaymentMethod id.
      payment_method_ref:
        request.payment.provider === 'stripe' ? request.payment.paymentMethodId : request.payment.orderId,
      payment_reference: null,
      card_brand: null,
      card_last4: null,
      decline_reason: null,
      created_at: now,
      updated_at: now,
      paid_at: null,
      receipt_sent_at: null,
      shipped_at: null,
    };
    return deps.reservation.reserve(draft, claim);
  },

  /**
   * Puts a failed order's sold units back into its shopper's cart, held, in the caller's
   * transaction (which moved the order to `payment_failed` first); see returnToCart.
   */
  compensate: (trx: Db, order: OrderRow, lines: OrderLineRow[], holdExpiresAt: Date) =>
    returnToCart(trx, order, lines, holdExpiresAt),
};

/** A line whose price changed since the shopper saw it (set to the current price in the cart). */
export interface RepricedLine {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  previousUnitPriceMinor: number;
  previousCurrency: string;
  unitPriceMinor: number;
  currency: string;
}

/** The pre-checks' refusals: nothing was reserved (a changed price was set in the cart). */
export type PreCheckRefusal =
  | { outcome: 'payment_pending'; orderIds: string[]; oldestOrderId: string; retryAfter: Date }
  | { outcome: 'product_unavailable'; lines: Array<{ productId: string; name: string }> }
  | {
      outcome: 'price_changed';
      lines: RepricedLine[];
      totalMinor: number;
      previousTotalMinor: number;
      currency: string;
    };

export type ReserveStepOutcome = ReserveOutcome | PreCheckRefusal;

/** Every outcome that wrote nothing and is Pay Now's answer (checkout-response.ts words it). */
export type ReserveRefusal = Exclude<ReserveStepOutcome, { outcome: 'reserved' | 'key_taken' }>;

/** One shopper's orders may hold stock through 3-D Secure only this many at a time. */
export const defaultMaxPendingPayments = 1;

/** Orders whose stock is sold but whose payment is not settled yet (oldest first in the pre-check). */
const pendingPaymentStatuses = ['pending_payment', 'requires_action'] as const;

/**
 * Stock sold to an order waiting for 3-D Secure stays out of everyone's reach until the
 * shopper authenticates or the window (the hold time) ends: a shopper may have only
 * `maxPendingPayments` such orders, so one shopper cannot lock stock by starting checkouts they
 * never finish. Checked before anything is written, on both write paths alike; two concurrent
 * Pay Nows by one shopper cannot both pass, since they compete for the same cart lines.
 */
function paymentPending(
  deps: Pick<ReserveDeps, 'holdMinutes' | 'maxPendingPayments'>,
  pending: Array<{ id: string; createdAt: Date }>,
): PreCheckRefusal | undefined {
  const max = deps.maxPendingPayments ?? defaultMaxPendingPayments;
  if (pending.length < max) return undefined;
  const oldest = pending[0]!;
  return {
    outcome: 'payment_pending',
    orderIds: pending.map((order) => order.id),
    oldestOrderId: oldest.id,
    retryAfter: new Date(oldest.createdAt.getTime() + deps.holdMinutes * 60_000),
  };
}

/**
 * The price rule: Pay Now charges the product's current price, read from the product store
 * (Cosmos, never the cache), and never a price the shopper has not seen. A line whose price
 * (or currency) is no longer the product's is set to the current one and Pay Now answers
 * `409 price_changed` with the old and new prices and the new total, charging nothing: the
 * shopper reviews the cart and pays again. A line whose product was deleted is refused
 * (`409 product_unavailable`). Both before anything is written, on both write paths alike.
 */
async function changedPrices(
  deps: Pick<ReserveDeps, 'db' | 'products'>,
  userId: string,
  lines: CartLineRow[],
): Promise<PreCheckRefusal | undefined> {
  if (lines.length === 0) return undefined; // the reservation answers cart_empty
  // One request for the whole cart (and, in the Cosmos adapter, for concurrent Pay Nows too).
  const products = await deps.products.getMany(lines.map((line) => line.productId));
  // Deleted, or no longer sold in this variant.
  const gone = lines.filter((line, i) => !products[i] || !sellsSku(products[i]!, line.sku));
  if (gone.length > 0) {
    return {
      outcome: 'product_unavailable',
      lines: gone.map((line) => ({ productId: line.productId, name: line.name })),
    };
  }
  const changed: RepricedLine[] = [];
  // The price of the line's SKU: a variant's own price wins over its product's.
  const now = lines.map((line, i) => ({
    quantity: line.quantity,
    unitPriceMinor: unitPriceOf(products[i]!, line.sku),
    currency: products[i]!.currency,
  }));
  for (const [i, line] of lines.entries()) {
    const product = products[i]!;
    const price = now[i]!.unitPriceMinor;
    if (price === line.unitPriceMinor && product.currency === line.currency) continue;
    await repriceCartLine(
      deps.db,
      userId,
      line.sku,
      { unitPriceMinor: line.unitPriceMinor, currency: line.currency },
      { unitPriceMinor: price, currency: product.currency, name: product.name },
    );
    changed.push({
      productId: line.productId,
      sku: line.sku,
      name: product.name,
      quantity: line.quantity,
      previousUnitPriceMinor: line.unitPriceMinor,
      previousCurrency: line.currency,
      unitPriceMinor: price,
      currency: product.currency,
    });
  }
  if (changed.length === 0) return undefined;
  return {
    outcome: 'price_changed',
    lines: changed,
    totalMinor: now.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0),
    previousTotalMinor: lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0),
    currency: now[0]!.currency,
  };
}

/** Test seam: runs before the compensation writes a cart line (where a concurrent change races it). */
export const compensationHooks: { beforeLineWrite?(userId: string, sku: string): Promise<void> } = {};

/**
 * The sold units become held again, in the shopper's cart. The one lock order
 * (transient-errors.ts): the lines the cart has, in key order; then the stock; then the lines
 * it lacks (new rows, whose foreign key reads the inventory rows this transaction now holds).
 * An existing line gets the units by a relative update (quantity + n, held + n), never by
 * writing back what was read: a line the shopper changes meanwhile keeps the change and gains
 * the units, so held stays the sum of the lines' holds. (It used to read the line and
 * compare-and-set it, which a concurrent change made fail: only a rollback and rerun stood
 * between that and units held by no line.)
 */
async function returnToCart(trx: Db, order: OrderRow, lines: OrderLineRow[], expires: Date): Promise<void> {
  const missing: OrderLineRow[] = [];
  for (const line of inLockOrder(lines, (l) => l.sku)) {
    await compensationHooks.beforeLineWrite?.(order.user_id, line.sku);
    if (!(await addHeldUnitsToLine(trx, order.user_id, line.sku, line.quantity, expires))) missing.push(line);
  }
  for (const line of inLockOrder(lines, (l) => l.sku)) {
    await returnSoldUnitsToHolds(trx, line.sku, line.quantity);
  }
  // A line added meanwhile makes its insert a unique violation: the transaction runs again.
  for (const line of missing) {
    await insertCartLine(trx, {
      userId: order.user_id,
      productId: line.product_id,
      sku: line.sku,
      variantOptions: parseVariantOptions(line.variant_options),
      name: line.name,
      unitPriceMinor: line.unit_price_minor,
      currency: order.currency,
      quantity: line.quantity,
      heldQuantity: line.quantity,
      holdExpiresAt: expires,
      addedAt: new Date(),
    });
  }
}

/**
 * Runs a compensation transaction again when it lost: a line it inserts was inserted first
 * (unique violation), or a deadlock.
 */
export function withCompensationRetry<T>(work: () => Promise<T>): Promise<T> {
  return withTransientRetry(work, { attempts: 5, alsoRetry: isUniqueViolation });
}

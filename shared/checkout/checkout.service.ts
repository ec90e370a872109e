import { createHash, randomBytes } from 'node:crypto';
import { writesInOneStatement } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';
import { inLockOrder, withTransientRetry } from '../adapters/sql/transient-errors';
import {
  type CartLineRow,
  deleteCartLineIfHeld,
  findCartLine,
  insertCartLine,
  listCartLines,
  listCartLinesWithOrders,
  repriceCartLine,
  updateCartLineIfHeld,
} from '../cart/cart.repository';
import type { ProductStore } from '../catalogue/product-store.port';
import type { Principal } from '../identity/principal';
import { type StockLevel, sellAvailableStock, sellHeldStock } from '../inventory/inventory.repository';
import { addToOutbox, newEvent } from '../messaging/outbox';
import {
  findOrder,
  insertOrder,
  type OrderLineRow,
  type OrderRow,
  type OrderView,
  orderView,
  returnSoldUnitsToHolds,
  transitionOrder,
} from '../orders/orders.repository';
import type { ChargeOutcome, LookupOutcome, PaymentGateway } from '../payments/payment-gateway.port';
import { checkSettlement, type SettlementRefusal, type SettlementTarget } from '../payments/settlement-check';
import { AppError, isAppError } from '../platform/errors';
import { type Problem, parseWith, problemResponse } from '../platform/http';
import { metrics } from '../platform/telemetry';
import {
  type KeptAnswer,
  type OrderDraft,
  reserveInOneStatement,
  settlePaidInOneStatement,
} from './checkout.repository';
import { type CheckoutRequest, checkoutRequestSchema } from './checkout-request';

export interface CheckoutDeps {
  db: Db;
  gateway: PaymentGateway;
  holdMinutes: number;
  /** The product store (Cosmos), read for the current prices at Pay Now: never the cache. */
  products: Pick<ProductStore, 'getMany'>;
  /** Orders one shopper may have waiting for payment (3-D Secure) at once; default 1. */
  maxPendingPayments?: number;
  /** Test seam for crash injection: called between the steps. */
  hooks?: { afterReserve?(orderId: string): Promise<void>; afterCharge?(orderId: string): Promise<void> };
}

/** The HTTP answer to Pay Now, kept under the Idempotency-Key and replayed for it. */
export interface CheckoutResponse {
  status: number;
  body: unknown;
}

/** What the caller must do after a checkout or a settlement commits. */
export interface Aftermath {
  /** SKUs whose availability moved. */
  changedSkus: string[];
  /** New stock levels, when the statement that moved them returned them (no read needed). */
  levels?: StockLevel[];
  /** An OrderPaid (or other) event is waiting in the outbox. */
  eventsWritten: boolean;
}

export interface CheckoutResult extends CheckoutResponse {
  aftermath: Aftermath;
}

const none: Aftermath = { changedSkus: [], eventsWritten: false };

function newOrderId(): string {
  return `ord_${Date.now().toString(36)}${randomBytes(6).toString('hex')}`;
}

function problemBody(error: AppError): Problem {
  return JSON.parse(String(problemResponse(error).body)) as Problem;
}

function requestHash(request: CheckoutRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** A cart line changed between reading and writing it: roll back and run again. */
class CartLineMoved extends Error {}

const isUniqueViolation = (error: unknown) =>
  /duplicate key|unique constraint|violation of primary key/i.test(String(error));

/**
 * `POST /api/checkout`. In one transaction every cart line's hold becomes a sale (a lapsed
 * hold re-acquires stock) and the order is written `pending_payment`; any short line rolls all
 * of it back. Then the gateway charges with the order id as its idempotency key, and the result
 * settles the order. The same Idempotency-Key replays the first response.
 */
export async function checkout(
  deps: CheckoutDeps,
  shopper: Principal,
  idempotencyKey: string | null,
  body: unknown,
): Promise<CheckoutResult> {
  if (!idempotencyKey)
    throw new AppError(
      428,
      'idempotency_key_required',
      'Send an Idempotency-Key header (a new UUID per attempt).',
    );
  if (!/^[\w-]{8,100}$/.test(idempotencyKey)) {
    throw new AppError(400, 'validation_failed', 'Idempotency-Key must be 8-100 letters, digits, _ or -.', {
      errors: { 'Idempotency-Key': ['must be 8-100 letters, digits, _ or -'] },
    });
  }
  const request = parseWith(checkoutRequestSchema, body);
  const hash = requestHash(request);

  // No read of the key first: the reservation claims it (with the order it writes), and a used
  // key fails that claim; a refusal claims it when storing its answer, with the same effect. A
  // replay is rarer than a first attempt, so it pays the detour.
  let reserved: Reservation;
  try {
    reserved = await reserve(deps, shopper, idempotencyKey, hash, request);
  } catch (error) {
    if (isUniqueViolation(error)) {
      // The key was used before, or is in use by a concurrent request: answer as that one does
      // (a 202 may mean it is still charging, so wait briefly for its final answer).
      const answer = await waitForAnswer(deps.db, shopper.userId, idempotencyKey, hash);
      return { ...answer, aftermath: none };
    }
    if (!isAppError(error) || error.status >= 500) throw error;
    // A refusal (out of stock, empty cart) is the answer to this key too.
    const response = { status: error.status, body: problemBody(error) };
    const stored = await storeAnswer(deps.db, shopper.userId, idempotencyKey, hash, response);
    return { ...stored, aftermath: none };
  }
  await deps.hooks?.afterReserve?.(reserved.orderId);

  let outcome: ChargeOutcome;
  try {
    outcome = await deps.gateway.charge({
      orderId: reserved.orderId,
      amountMinor: reserved.amountMinor,
      currency: reserved.currency,
      method:
        request.payment.provider === 'stripe'
          ? request.payment
          : { provider: 'paypal', orderId: request.payment.orderId },
      customerEmail: shopper.email || undefined,
    });
  } catch (error) {
    if (isAppError(error) && error.status === 502) {
      // Unknown outcome: the order stays pending_payment and the recovery timer asks the gateway.
      return {
        ...(await answerFor(deps.db, reserved.orderId)),
        aftermath: { changedSkus: reserved.skus, levels: reserved.levels, eventsWritten: false },
      };
    }
    throw error;
  }
  await deps.hooks?.afterCharge?.(reserved.orderId);
  // A final answer is kept as sent (with the settling change when this call settles the order);
  // a 202 is answered from the order's state on replay.
  const settled = await settlePayment(deps, reserved.orderId, outcome, {
    known: { order: reserved.order, lines: reserved.lines },
    answerTo: {
      userId: shopper.userId,
      key: idempotencyKey,
      answerFor: (order) => responseForOrder(orderView(order, reserved.lines), outcome),
    },
  });
  let answer = settled.answer;
  if (!answer) {
    // Someone else (a webhook, the recovery timer) settled it first: answer from its state.
    answer = await answerFor(deps.db, reserved.orderId, outcome);
    if (answer.status !== 202) await keepAnswer(deps.db, shopper.userId, idempotencyKey, answer);
  }
  return {
    ...answer,
    aftermath: {
      changedSkus: [...new Set([...reserved.skus, ...settled.changedSkus])],
      levels: reserved.levels,
      eventsWritten: settled.eventsWritten,
    },
  };
}

/** A reserved order: stock sold, order written `pending_payment`, as it was inserted. */
interface Reservation {
  orderId: string;
  amountMinor: number;
  currency: string;
  /** SKUs whose availability moved (lapsed holds re-acquired). */
  skus: string[];
  /** The new levels of re-acquired SKUs, when the reservation returned them (instead of `skus`). */
  levels?: StockLevel[];
  order: OrderRow;
  lines: OrderLineRow[];
}

async function reserve(
  deps: CheckoutDeps,
  shopper: Principal,
  idempotencyKey: string,
  hash: string,
  request: CheckoutRequest,
): Promise<Reservation> {
  // Both pre-checks read from one round trip (the cart's lines and the shopper's unpaid orders).
  const basis = await listCartLinesWithOrders(deps.db, shopper.userId, pendingPaymentStatuses);
  refuseWhilePaymentPending(deps, basis.orders);
  await refuseChangedPrices(deps, shopper.userId, basis.lines);
  const now = new Date();
  const address = request.shippingAddress;
  const draft: OrderDraft = {
    id: newOrderId(),
    user_id: shopper.userId,
    status: 'pending_payment',
    email: shopper.email.slice(0, 200),
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
  // A deadlock victim rolled back whole: it runs again (nothing of it was written).
  if (!writesInOneStatement(deps.db))
    return withTransientRetry(() => reserveInTransaction(deps.db, draft, idempotencyKey, hash));
  const reserved = await withTransientRetry(() =>
    reserveInOneStatement(deps.db, draft, { key: idempotencyKey, requestHash: hash }),
  );
  switch (reserved.outcome) {
    case 'reserved':
      return {
        orderId: draft.id,
        amountMinor: reserved.order.total_minor,
        currency: reserved.order.currency,
        skus: [],
        levels: reserved.relapsedLevels,
        order: reserved.order,
        lines: reserved.lines,
      };
    case 'cart_empty':
      throw cartEmpty();
    case 'mixed_currencies':
      throw mixedCurrencies();
    case 'out_of_stock':
      throw outOfStock(reserved.short);
  }
}

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
function refuseWhilePaymentPending(
  deps: CheckoutDeps,
  pending: Array<{ id: string; createdAt: Date }>,
): void {
  const max = deps.maxPendingPayments ?? defaultMaxPendingPayments;
  if (pending.length < max) return;
  const oldest = pending[0]!;
  const until = new Date(oldest.createdAt.getTime() + deps.holdMinutes * 60_000);
  throw new AppError(
    409,
    'payment_pending',
    `Finish the payment already in progress (order ${oldest.id}) first; unless it is completed it is cancelled, and its items return to your cart, by ${until.toISOString()}.`,
    { orderIds: pending.map((order) => order.id), retryAfter: until.toISOString() },
  );
}

/**
 * The price rule: Pay Now charges the product's current price, read from the product store
 * (Cosmos, never the cache), and never a price the shopper has not seen. A line whose price
 * (or currency) is no longer the product's is set to the current one and Pay Now answers
 * `409 price_changed` with the old and new prices and the new total, charging nothing: the
 * shopper reviews the cart and pays again. A line whose product was deleted is refused
 * (`409 product_unavailable`). Both before anything is written, on both write paths alike.
 */
async function refuseChangedPrices(deps: CheckoutDeps, userId: string, lines: CartLineRow[]): Promise<void> {
  if (lines.length === 0) return; // the reservation answers cart_empty
  // One request for the whole cart (and, in the Cosmos adapter, for concurrent Pay Nows too).
  const products = await deps.products.getMany(lines.map((line) => line.productId));
  const gone = lines.filter((_, i) => !products[i]);
  if (gone.length > 0) {
    throw new AppError(
      409,
      'product_unavailable',
      `${gone.length} item(s) in your cart are no longer sold; remove them to pay. Nothing was charged.`,
      { lines: gone.map((line) => ({ productId: line.productId, name: line.name })) },
    );
  }
  const changed: Array<{
    productId: string;
    name: string;
    quantity: number;
    previousUnitPriceMinor: number;
    previousCurrency: string;
    unitPriceMinor: number;
    currency: string;
  }> = [];
  for (const [i, line] of lines.entries()) {
    const product = products[i]!;
    if (product.priceMinor === line.unitPriceMinor && product.currency === line.currency) continue;
    await repriceCartLine(
      deps.db,
      userId,
      line.productId,
      { unitPriceMinor: line.unitPriceMinor, currency: line.currency },
      { unitPriceMinor: product.priceMinor, currency: product.currency, name: product.name },
    );
    changed.push({
      productId: line.productId,
      name: product.name,
      quantity: line.quantity,
      previousUnitPriceMinor: line.unitPriceMinor,
      previousCurrency: line.currency,
      unitPriceMinor: product.priceMinor,
      currency: product.currency,
    });
  }
  if (changed.length === 0) return;
  const now = lines.map((line, i) => ({
    quantity: line.quantity,
    unitPriceMinor: products[i]!.priceMinor,
    currency: products[i]!.currency,
  }));
  throw new AppError(
    409,
    'price_changed',
    `The price of ${changed.length} item(s) changed; your cart now shows the current prices. Nothing was charged: review the new total and pay again.`,
    {
      lines: changed,
      totalMinor: now.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0),
      previousTotalMinor: lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0),
      currency: now[0]!.currency,
    },
  );
}

const cartEmpty = () => new AppError(422, 'cart_empty', 'Your cart is empty.');
// The short lines as the cart lists them (they were found in lock order).
const inCartOrder = <T extends { productId: string }>(short: T[], lines: Array<{ productId: string }>) =>
  lines.flatMap((line) => short.filter((s) => s.productId === line.productId));
const mixedCurrencies = () => new AppError(422, 'mixed_currencies', 'A cart must be in one currency.');
const outOfStock = (short: Array<{ productId: string; requested: number; available: number }>) =>
  new AppError(409, 'out_of_stock', `Not enough stock for ${short.length} line(s); nothing was charged.`, {
    lines: short,
  });

/** The reservation as portable Kysely statements in one transaction (the Azure SQL path). */
function reserveInTransaction(
  db: Db,
  draft: OrderDraft,
  idempotencyKey: string,
  hash: string,
): Promise<Reservation> {
  const userId = draft.user_id;
  return db.transaction().execute(async (trx) => {
    // First: claim the key. A concurrent request with the same key waits here, then fails.
    await trx
      .insertInto('idempotency_keys')
      .values({
        user_id: userId,
        idempotency_key: idempotencyKey,
        request_hash: hash,
        order_id: draft.id,
        response_status: null,
        response_body: null,
        created_at: draft.created_at,
      })
      .execute();
    const lines = await listCartLines(trx, userId);
    if (lines.length === 0) throw cartEmpty();
    const currency = lines[0]!.currency;
    if (lines.some((line) => line.currency !== currency)) throw mixedCurrencies();

    // The one lock order (transient-errors.ts): the cart lines first, in key order
    // (compare-and-set against the expiry sweeper), then the stock in SKU order, never in the
    // cart's order (another cart lists the same SKUs the other way round). The inventory rows
    // are the contended ones and are locked only until the commit.
    for (const line of inLockOrder(lines, (l) => l.productId)) {
      if (!(await deleteCartLineIfHeld(trx, userId, line.productId, line.heldQuantity))) {
        throw new AppError(409, 'cart_changed', 'Your cart changed while paying; please try again.');
      }
    }
    const short: Array<{ productId: string; requested: number; available: number }> = [];
    for (const line of inLockOrder(lines, (l) => l.sku)) {
      const sold =
        line.heldQuantity === line.quantity
          ? await sellHeldStock(trx, line.sku, line.quantity)
          : await sellAvailableStock(trx, line.sku, line.quantity);
      if (!sold) {
        const stock = await trx
          .selectFrom('inventory')
          .select(['on_hand', 'held'])
          .where('sku', '=', line.sku)
          .executeTakeFirst();
        short.push({
          productId: line.productId,
          requested: line.quantity,
          available: Math.max(0, (stock?.on_hand ?? 0) - (stock?.held ?? 0)),
        });
      }
    }
    if (short.length > 0) throw outOfStock(inCartOrder(short, lines));
    const amountMinor = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0);
    const order: OrderRow = { ...draft, total_minor: amountMinor, currency };
    const orderLines: OrderLineRow[] = lines.map((line, i) => ({
      order_id: draft.id,
      line_no: i + 1,
      product_id: line.productId,
      sku: line.sku,
      name: line.name,
      quantity: line.quantity,
      unit_price_minor: line.unitPriceMinor,
    }));
    await insertOrder(trx, order, orderLines);
    return {
      orderId: draft.id,
      amountMinor,
      currency,
      skus: lines.filter((l) => l.heldQuantity !== l.quantity).map((l) => l.sku),
      order,
      lines: orderLines,
    };
  });
}

/**
 * Applies what the gateway said to an order, once: paid (with the OrderPaid event in the same
 * transaction), failed (stock back to the cart's holds) or waiting for 3-D Secure. Used by
 * checkout, webhooks, 3-D Secure completion and the recovery timer alike.
 */
export async function settlePayment(
  deps: Pick<CheckoutDeps, 'db' | 'holdMinutes'>,
  orderId: string,
  outcome: ChargeOutcome | LookupOutcome,
  options: SettleOptions = {},
): Promise<Settled> {
  const found = options.known ?? (await findOrder(deps.db, orderId));
  if (!found) return none;
  const { order, lines } = found;
  // Only the order's own payment settles it: its provider, its reference, its total.
  const refusal = checkSettlement(order, outcome, { requireAmount: options.requireAmount });
  if (refusal) return { ...none, refused: refuseSettlement(order, outcome, refusal) };
  const answerTo = options.answerTo;
  // The answer for the order as this call leaves it, and what to keep of it (not a 202).
  const answering = (after: OrderRow) => {
    const answer = answerTo?.answerFor(after);
    const kept: KeptAnswer | undefined =
      answerTo && answer && answer.status !== 202
        ? { userId: answerTo.userId, key: answerTo.key, response: answer }
        : undefined;
    return { answer, kept };
  };
  const keep = (db: Db, kept: KeptAnswer | undefined) =>
    kept ? keepAnswer(db, kept.userId, kept.key, kept.response) : undefined;
  switch (outcome.status) {
    case 'succeeded': {
      const now = new Date();
      const change = {
        status: 'paid',
        payment_reference: outcome.reference,
        card_brand: outcome.cardBrand?.slice(0, 20) ?? null,
        card_last4: outcome.last4 && /^\d{4}$/.test(outcome.last4) ? outcome.last4 : null,
        paid_at: now,
      } as const;
      const { answer, kept } = answering({ ...order, ...change, updated_at: now });
      const event = newEvent('orders', 'OrderPaid', orderId, {
        orderId,
        userId: order.user_id,
        totalMinor: order.total_minor,
        currency: order.currency,
        paidAt: now.toISOString(),
        lines: lines.map((line) => ({ productId: line.product_id, sku: line.sku, quantity: line.quantity })),
      });
      const paid = await withTransientRetry(() =>
        !writesInOneStatement(deps.db)
          ? deps.db.transaction().execute(async (trx) => {
              const moved = await transitionOrder(
                trx,
                orderId,
                ['pending_payment', 'requires_action'],
                change,
              );
              if (!moved) return false;
              await keep(trx, kept);
              await addToOutbox(trx, event);
              return true;
            })
          : settlePaidInOneStatement(
              deps.db,
              {
                orderId,
                reference: change.payment_reference,
                cardBrand: change.card_brand,
                last4: change.card_last4,
                paidAt: now,
              },
              event,
              kept,
            ),
      );
      return paid ? { changedSkus: [], eventsWritten: true, answer } : none;
    }
    case 'requires_action': {
      const change = { status: 'requires_action', payment_reference: outcome.reference } as const;
      const moved = await withTransientRetry(() =>
        transitionOrder(deps.db, orderId, ['pending_payment'], change),
      );
      if (!moved) return none;
      return { ...none, answer: answering({ ...order, ...change, updated_at: new Date() }).answer };
    }
    case 'declined':
    case 'not_found': {
      const reason =
        outcome.status === 'declined' ? outcome.reason : 'The payment never reached the payment provider.';
      // The order and its kept answer (this request's own rows), then the one lock order
      // (transient-errors.ts): the cart's lines in key order, the stock in SKU order, new lines.
      // Run again when it lost a deadlock, or a race for a cart line (a concurrent add changed
      // it or inserted it first).
      const work = () =>
        deps.db.transaction().execute(async (trx) => {
          const change = {
            status: 'payment_failed',
            decline_reason: reason.slice(0, 200),
            payment_reference: outcome.status === 'declined' ? (outcome.reference ?? null) : null,
          } as const;
          const moved = await transitionOrder(trx, orderId, ['pending_payment', 'requires_action'], change);
          if (!moved) return undefined;
          const { answer, kept } = answering({ ...order, ...change, updated_at: new Date() });
          await keep(trx, kept);
          const expires = new Date(Date.now() + deps.holdMinutes * 60_000);
          // The sold units become held again, in the shopper's cart, so a retry can pay for them.
          // The lines the cart has, in key order; then the stock; then the lines it lacks (new
          // rows, whose foreign key reads the inventory rows this transaction now holds).
          const missing: typeof lines = [];
          for (const line of inLockOrder(lines, (l) => l.product_id)) {
            const existing = await findCartLine(trx, order.user_id, line.product_id);
            if (existing) {
              const updated = await updateCartLineIfHeld(
                trx,
                order.user_id,
                line.product_id,
                existing.heldQuantity,
                {
                  quantity: existing.quantity + line.quantity,
                  heldQuantity: existing.heldQuantity + line.quantity,
                  holdExpiresAt: expires,
                  unitPriceMinor: existing.unitPriceMinor,
                  name: existing.name,
                },
              );
              if (!updated) throw new CartLineMoved();
            } else {
              missing.push(line);
            }
          }
          for (const line of inLockOrder(lines, (l) => l.sku)) {
            await returnSoldUnitsToHolds(trx, line.sku, line.quantity);
          }
          for (const line of missing) {
            await insertCartLine(trx, {
              userId: order.user_id,
              productId: line.product_id,
              sku: line.sku,
              name: line.name,
              unitPriceMinor: line.unit_price_minor,
              currency: order.currency,
              quantity: line.quantity,
              heldQuantity: line.quantity,
              holdExpiresAt: expires,
              addedAt: new Date(),
            });
          }
          return { answer };
        });
      const failed = await withTransientRetry(work, {
        attempts: 5,
        alsoRetry: (error) => error instanceof CartLineMoved || isUniqueViolation(error),
      });
      return failed
        ? { changedSkus: lines.map((l) => l.sku), eventsWritten: false, answer: failed.answer }
        : none;
    }
    default:
      return none;
  }
}

export interface SettleOptions {
  /** A succeeded outcome must state its amount and currency (webhooks: real providers always do). */
  requireAmount?: boolean;
  /** The order and its lines when the caller has them (checkout just wrote them): no read. */
  known?: { order: OrderRow; lines: OrderLineRow[] };
  /** Pay Now's Idempotency-Key: the answer for the order as this call settles it is kept with the change. */
  answerTo?: { userId: string; key: string; answerFor(order: OrderRow): CheckoutResponse };
}

/** What settling did; `answer` when this call moved the order and was asked for one. */
export interface Settled extends Aftermath {
  answer?: CheckoutResponse;
  /** Set when the outcome was not this order's payment: nothing was changed. */
  refused?: RefusedSettlement;
}

export interface RefusedSettlement extends SettlementRefusal {
  orderId: string;
  /** One line for the warning log: the distinct message on-call searches for. */
  message: string;
}

/**
 * Counts a refused settlement (`shop.settlement_refused`) and says why, for the caller's warning.
 * The order is left as it was: never paid on a payment that is not its own.
 */
export function refuseSettlement(
  order: SettlementTarget,
  outcome: LookupOutcome,
  refusal: SettlementRefusal,
): RefusedSettlement {
  metrics.settlementRefused.add(1, { provider: outcome.provider, reason: refusal.code });
  const reference = 'reference' in outcome && outcome.reference ? ` (${outcome.reference})` : '';
  return {
    ...refusal,
    orderId: order.id,
    message: `payment settlement refused: ${refusal.code}: ${outcome.provider} ${outcome.status}${reference} for order ${order.id}: ${refusal.detail}`,
  };
}

/** The response Pay Now gives for an order in its current state. */
async function answerFor(db: Db, orderId: string, outcome?: ChargeOutcome): Promise<CheckoutResponse> {
  const found = await findOrder(db, orderId);
  if (!found) throw new Error(`order ${orderId} vanished`);
  const view = orderView(found.order, found.lines);
  return responseForOrder(view, outcome);
}

function responseForOrder(view: OrderView, outcome?: ChargeOutcome): CheckoutResponse {
  switch (view.status) {
    case 'paid':
    case 'shipped':
      return { status: 201, body: view };
    case 'payment_failed': {
      const declineCode = outcome?.status === 'declined' ? outcome.code : 'payment_failed';
      return {
        status: 402,
        body: problemBody(
          new AppError(
            402,
            'payment_declined',
            `Payment declined: ${view.declineReason ?? 'declined'}. Your items are still in your cart.`,
            {
              orderId: view.id,
              reason: view.declineReason,
              declineCode,
            },
          ),
        ),
      };
    }
    case 'requires_action':
      return {
        status: 202,
        body: {
          status: 'requires_action',
          order: view,
          reference: outcome && 'reference' in outcome ? outcome.reference : undefined,
          clientSecret: outcome?.status === 'requires_action' ? outcome.clientSecret : undefined,
          nextActionUrl: outcome?.status === 'requires_action' ? outcome.nextActionUrl : undefined,
        },
      };
    default:
      return { status: 202, body: { status: 'pending_payment', order: view } };
  }
}

async function replayed(
  db: Db,
  userId: string,
  key: string,
  hash: string,
): Promise<CheckoutResponse | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.request_hash !== hash) {
    throw new AppError(
      409,
      'idempotency_conflict',
      'This Idempotency-Key was used for a different request; use a new key.',
    );
  }
  if (row.response_status !== null && row.response_body !== null)
    return { status: row.response_status, body: JSON.parse(row.response_body) };
  if (row.order_id) {
    const found = await findOrder(db, row.order_id);
    if (found) return responseForOrder(orderView(found.order, found.lines));
  }
  return undefined;
}

async function waitForAnswer(db: Db, userId: string, key: string, hash: string): Promise<CheckoutResponse> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const answer = await replayed(db, userId, key, hash);
    if (answer && answer.status !== 202) return answer;
    if (answer && attempt > 20) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new AppError(
    409,
    'request_in_progress',
    'A request with this Idempotency-Key is still being processed.',
  );
}

async function keepAnswer(db: Db, userId: string, key: string, answer: CheckoutResponse): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ response_status: answer.status, response_body: JSON.stringify(answer.body) })
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .execute();
}

/** Stores a refusal as the key's answer (or returns the answer a concurrent request stored). */
async function storeAnswer(
  db: Db,
  userId: string,
  key: string,
  hash: string,
  response: CheckoutResponse,
): Promise<CheckoutResponse> {
  try {
    await db
      .insertInto('idempotency_keys')
      .values({
        user_id: userId,
        idempotency_key: key,
        request_hash: hash,
        order_id: null,
        response_status: response.status,
        response_body: JSON.stringify(response.body),
        created_at: new Date(),
      })
      .execute();
    return response;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return waitForAnswer(db, userId, key, hash);
  }
}

import type { Db } from '../adapters/sql/schema';
import { inLockOrder, isUniqueViolation, withTransientRetry } from '../adapters/sql/transient-errors';
import { deleteCartLineIfHeld, listCartLines, variantOptionsText } from '../cart/cart.repository';
import {
  findAvailability,
  type StockLevel,
  sellAvailableStock,
  sellHeldStock,
} from '../inventory/inventory.repository';
import { addToOutbox, type DomainEvent } from '../messaging/outbox';
import { insertOrder, type OrderLineRow, type OrderRow, transitionOrder } from '../orders/orders.repository';
import { markPaidInOneStatement, reserveInOneStatement } from './checkout.repository';
import { claimKey, type KeptAnswer, type KeyClaim, keepAnswer } from './idempotency';

/** The order as checkout would write it, less what the cart decides (total, currency, lines). */
export type OrderDraft = Omit<OrderRow, 'total_minor' | 'currency'>;

/** A cart line the stock cannot cover. */
export interface ShortLine {
  productId: string;
  /** The line's SKU (a variant's, for a product with variants). */
  sku: string;
  requested: number;
  available: number;
}

/** What reserving did: nothing is written unless it is `reserved`. */
export type ReserveOutcome =
  | {
      outcome: 'reserved';
      order: OrderRow;
      lines: OrderLineRow[];
      /** SKUs whose availability moved (lapsed holds re-acquired), when `levels` does not say. */
      changedSkus: string[];
      /** The new levels of re-acquired SKUs, when the statement returned them. */
      levels?: StockLevel[];
    }
  | { outcome: 'cart_empty' | 'mixed_currencies' | 'cart_changed' }
  /** The Idempotency-Key was used before, or is in use by a concurrent request. */
  | { outcome: 'key_taken' }
  /** The short lines, in the cart's order. */
  | { outcome: 'out_of_stock'; short: ShortLine[] };

/** What paying an order changes (status `paid`, its payment's details). */
export interface PaidChange {
  orderId: string;
  reference: string;
  cardBrand: string | null;
  last4: string | null;
  paidAt: Date;
}

/**
 * Pay Now's reservation and its conclusion as paid: the write path checkout takes for this engine.
 * Two implementations with the same behaviour (reservation.test.ts runs both):
 * `portableReservation`, Kysely transactions that run on Azure SQL and PostgreSQL, and
 * `postgresReservation`, one PostgreSQL statement each. Services pick one when they are built.
 */
export interface Reservation {
  readonly kind: 'portable' | 'postgres';
  /**
   * In one transaction: claims the key, sells every cart line's stock (a held line's held units,
   * a lapsed line's available ones), empties the cart and writes the order `pending_payment`; or,
   * when it cannot, writes nothing. A deadlock victim runs again.
   */
  reserve(draft: OrderDraft, claim: KeyClaim): Promise<ReserveOutcome>;
  /**
   * Marks a `pending_payment`/`requires_action` order paid, with its event in the outbox and
   * (Pay Now) the answer kept under the key: all of it or nothing. False when the order was not
   * waiting for a payment.
   */
  markPaid(change: PaidChange, event: DomainEvent, kept?: KeptAnswer): Promise<boolean>;
}

/** The portable writes: Kysely statements in one transaction each (the Azure SQL path). */
export function portableReservation(db: Db): Reservation {
  return {
    kind: 'portable',
    reserve: (draft, claim) => keyTakenOnViolation(() => reserveInTransaction(db, draft, claim)),
    markPaid: (change, event, kept) =>
      withTransientRetry(() =>
        db.transaction().execute(async (trx) => {
          const moved = await transitionOrder(trx, change.orderId, ['pending_payment', 'requires_action'], {
            status: 'paid',
            payment_reference: change.reference,
            card_brand: change.cardBrand,
            card_last4: change.last4,
            paid_at: change.paidAt,
          });
          if (!moved) return false;
          if (kept) await keepAnswer(trx, kept.userId, kept.key, kept.response);
          await addToOutbox(trx, event);
          return true;
        }),
      ),
  };
}

/** PostgreSQL (and PGlite): each write is one statement, one round trip (checkout.repository.ts). */
export function postgresReservation(db: Db): Reservation {
  return {
    kind: 'postgres',
    reserve: (draft, claim) => keyTakenOnViolation(() => reserveInOneStatement(db, draft, claim)),
    markPaid: (change, event, kept) =>
      withTransientRetry(() => markPaidInOneStatement(db, change, event, kept)),
  };
}

// A used key fails its claim (the whole reservation rolls back): the caller answers as that one did.
async function keyTakenOnViolation(work: () => Promise<ReserveOutcome>): Promise<ReserveOutcome> {
  try {
    // A deadlock victim rolled back whole: it runs again (nothing of it was written).
    return await withTransientRetry(work);
  } catch (error) {
    if (isUniqueViolation(error)) return { outcome: 'key_taken' };
    throw error;
  }
}

/** Ends the transaction (rolling back the key's claim) with an outcome that writes nothing. */
class Refused extends Error {
  constructor(readonly outcome: ReserveOutcome) {
    super(outcome.outcome);
  }
}

/** The reservation as portable Kysely statements in one transaction (the Azure SQL path). */
function reserveInTransaction(db: Db, draft: OrderDraft, claim: KeyClaim): Promise<ReserveOutcome> {
  const userId = draft.user_id;
  return db
    .transaction()
    .execute(async (trx): Promise<ReserveOutcome> => {
      // First: claim the key. A concurrent request with the same key waits here, then fails.
      await claimKey(trx, claim, draft.id, draft.created_at);
      const lines = await listCartLines(trx, userId);
      if (lines.length === 0) throw new Refused({ outcome: 'cart_empty' });
      const currency = lines[0]!.currency;
      if (lines.some((line) => line.currency !== currency))
        throw new Refused({ outcome: 'mixed_currencies' });

      // The one lock order (transient-errors.ts): the cart lines first, in key order
      // (compare-and-set against the expiry sweeper), then the stock in SKU order, never in the
      // cart's order (another cart lists the same SKUs the other way round). The inventory rows
      // are the contended ones and are locked only until the commit.
      for (const line of inLockOrder(lines, (l) => l.sku)) {
        if (!(await deleteCartLineIfHeld(trx, userId, line.sku, line.heldQuantity)))
          throw new Refused({ outcome: 'cart_changed' });
      }
      const short: ShortLine[] = [];
      for (const line of inLockOrder(lines, (l) => l.sku)) {
        const sold =
          line.heldQuantity === line.quantity
            ? await sellHeldStock(trx, line.sku, line.quantity)
            : await sellAvailableStock(trx, line.sku, line.quantity);
        if (!sold) {
          const stock = await findAvailability(trx, line.sku);
          short.push({
            productId: line.productId,
            sku: line.sku,
            requested: line.quantity,
            available: Math.max(0, (stock?.onHand ?? 0) - (stock?.held ?? 0)),
          });
        }
      }
      // The short lines as the cart lists them (they were found in lock order).
      if (short.length > 0)
        throw new Refused({
          outcome: 'out_of_stock',
          short: lines.flatMap((line) => short.filter((s) => s.sku === line.sku)),
        });
      const amountMinor = lines.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0);
      const order: OrderRow = { ...draft, total_minor: amountMinor, currency };
      const orderLines: OrderLineRow[] = lines.map((line, i) => ({
        order_id: draft.id,
        line_no: i + 1,
        product_id: line.productId,
        sku: line.sku,
        variant_options: variantOptionsText(line.variantOptions),
        name: line.name,
        quantity: line.quantity,
        unit_price_minor: line.unitPriceMinor,
      }));
      await insertOrder(trx, order, orderLines);
      return {
        outcome: 'reserved',
        order,
        lines: orderLines,
        changedSkus: lines.filter((l) => l.heldQuantity !== l.quantity).map((l) => l.sku),
      };
    })
    .catch((error: unknown) => {
      if (error instanceof Refused) return error.outcome;
      throw error;
    });
}

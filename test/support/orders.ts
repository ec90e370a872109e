import type { Insertable } from 'kysely';
import type { OrdersTable } from '../../shared/adapters/sql/schema';

/**
 * A paid order row for tests that put orders straight into SQL (consumers, pick list, inbox
 * reads): a UK address, paid by card at `at`, no receipt yet. Tests override what they check.
 */
export function paidOrderRow(
  order: { id: string; userId: string; totalMinor: number; email: string; at: Date },
  overrides: Partial<Insertable<OrdersTable>> = {},
): Insertable<OrdersTable> {
  return {
    id: order.id,
    user_id: order.userId,
    status: 'paid',
    total_minor: order.totalMinor,
    currency: 'GBP',
    email: order.email,
    ship_name: 'Test Shopper',
    ship_line1: '1 Test St',
    ship_line2: '',
    ship_city: 'Leeds',
    ship_postal_code: 'LS1 1AA',
    ship_country: 'GB',
    payment_provider: 'stripe',
    payment_method_ref: 'pm_card_visa',
    payment_reference: null,
    card_brand: null,
    card_last4: null,
    decline_reason: null,
    created_at: order.at,
    updated_at: order.at,
    paid_at: order.at,
    receipt_sent_at: null,
    shipped_at: null,
    ...overrides,
  };
}

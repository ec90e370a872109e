import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePaths } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { ensureUser } from '../identity/users.repository';
import { findOrder, findOrderForMessage, insertOrder } from './orders.repository';

describe.each(writePaths)(
  'a consumer reading orders by message ($path, PGlite)',
  ({ SQL_PORTABLE_WRITES }) => {
    let shop: TestShop;
    beforeAll(async () => {
      shop = await startTestShop({ products: 0, host: false, env: { SQL_PORTABLE_WRITES } });
    }, 120_000);
    afterAll(async () => {
      await shop?.close();
    });

    it('gives each concurrent reader its own order, lines and inbox answer', async () => {
      const db = shop.services.sql.db;
      await ensureUser(db, { userId: 'reader', email: 'reader@example.test', name: 'Reader', roles: [] });
      const now = new Date('2026-12-02T09:00:00.000Z');
      const orderIds = Array.from({ length: 10 }, (_, i) => `ord-read-${i}`);
      for (const [i, id] of orderIds.entries()) {
        await insertOrder(
          db,
          {
            id,
            user_id: 'reader',
            status: 'paid',
            total_minor: 100 * (i + 1),
            currency: 'GBP',
            email: `reader+${i}@example.test`,
            ship_name: 'Reader',
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
            created_at: now,
            updated_at: now,
            paid_at: now,
            receipt_sent_at: null,
            shipped_at: null,
          },
          // Order i has i % 3 + 1 lines.
          Array.from({ length: (i % 3) + 1 }, (_, line) => ({
            order_id: id,
            line_no: line + 1,
            product_id: `p-${i}-${line}`,
            sku: `sku-${i}-${line}`,
            name: `Item ${i}.${line}`,
            quantity: line + 1,
            unit_price_minor: 50,
          })),
        );
      }
      await db
        .insertInto('inbox')
        .values({ consumer: 'receipts', message_id: 'msg-read-4', processed_at: now })
        .execute();

      const reads = await Promise.all([
        ...orderIds.map((id, i) =>
          findOrderForMessage(db, id, { consumer: 'receipts', messageId: `msg-read-${i}` }),
        ),
        findOrderForMessage(db, 'no-such-order', { consumer: 'receipts', messageId: 'msg-read-x' }),
      ]);
      for (const [i, id] of orderIds.entries()) {
        const expected = await findOrder(db, id);
        expect(reads[i]).toEqual({ handled: i === 4, order: expected!.order, lines: expected!.lines });
        expect(reads[i]!.lines).toHaveLength((i % 3) + 1);
      }
      expect(reads[10]).toBeUndefined();
    });
  },
);

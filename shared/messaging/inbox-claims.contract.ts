import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paidOrderRow } from '../../test/support/orders';
import type { DatabaseTarget } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import type { Db } from '../adapters/sql/schema';
import { ensureUser } from '../identity/users.repository';
import { findOrder, insertOrder } from '../orders/orders.repository';
import type { ConsumerWrites, InboxClaims } from './inbox-claims';

/** One implementation of the InboxClaims port. */
export interface InboxClaimsImplementation {
  name: string;
  kind: InboxClaims['kind'];
  create(db: Db): InboxClaims;
}

// A consumer of its own, writing what it claims into low_stock_alerts (any table would do).
const flags: ConsumerWrites<{ sku: string; available: number | null }> = {
  consumer: 'claims-test',
  async write(trx, { sku, available }) {
    await trx
      .insertInto('low_stock_alerts')
      .values({ sku, available: available as number, flagged_at: new Date() })
      .execute();
  },
  statement: {
    fields: 'sku varchar, available int',
    writes: `flagged as (
    insert into low_stock_alerts (sku, available, flagged_at)
    select sku, available, processed_at from mine
  )`,
  },
};

/**
 * The InboxClaims contract: a message is handled once per consumer, its writes commit with the
 * claim or not at all, concurrent deliveries (of one message or many) each get their own
 * answer, and the read before a claim says whether it was handled. Run by inbox-claims.test.ts
 * for each implementation on PGlite and PostgreSQL, and in the `azure-sql-path` project.
 */
export function inboxClaimsContract(
  { name, env, skipReason }: DatabaseTarget,
  claims: InboxClaimsImplementation,
) {
  describe.skipIf(skipReason !== undefined)(
    `InboxClaims contract: ${claims.name} on ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      beforeAll(async () => {
        const SQL_PORTABLE_WRITES = claims.kind === 'portable' ? 'true' : 'false';
        shop = await startTestShop({
          products: 0,
          host: false,
          env: { ...(await env()), SQL_PORTABLE_WRITES },
        });
        expect(shop.services.inboxClaims.kind, 'the implementation services pick for this setting').toBe(
          claims.kind,
        );
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });

      it('claims each message once, writes only for the claimed, and a failing claim costs only itself', async () => {
        const db = shop.services.sql.db;
        const inbox = claims.create(db);
        await db
          .insertInto('inbox')
          .values({ consumer: 'claims-test', message_id: 'm3', processed_at: new Date() })
          .execute();
        const claim = (messageId: string, sku: string, available: number | null) =>
          inbox
            .claim(flags, { messageId, fields: { sku, available }, keys: [`sku:${sku}`] })
            .catch((error: unknown) => `failed: ${String(error).slice(0, 40)}`);
        // Twelve at once: more than run at a time, so most share statements.
        const outcomes = await Promise.all([
          claim('m1', 'S1', 1),
          claim('m2', 'S2', 2),
          claim('m3', 'S3', 3), // claimed before
          claim('m4', 'S4', 4),
          claim('m5', 'S5', 5),
          claim('m5', 'S5', 5), // the same delivery twice
          claim('m6', 'S6', null), // its write breaks a NOT NULL: it fails, alone
          claim('m7', 'S7', 7),
          claim('m8', 'S8', 8),
          claim('m9', 'S9', 9),
          claim('m10', 'S10', 10),
          claim('m11', 'S11', 11),
        ]);
        expect(outcomes.slice(0, 4)).toEqual(['handled', 'handled', 'duplicate', 'handled']);
        // Either delivery of m5 may be the first.
        expect([outcomes[4], outcomes[5]].sort()).toEqual(['duplicate', 'handled']);
        expect(outcomes[6]).toMatch(/^failed: /);
        expect(outcomes.slice(7)).toEqual(['handled', 'handled', 'handled', 'handled', 'handled']);
        const written = await db.selectFrom('low_stock_alerts').select(['sku', 'available']).execute();
        expect(written.map((r) => r.sku).sort()).toEqual(
          ['S1', 'S2', 'S4', 'S5', 'S7', 'S8', 'S9', 'S10', 'S11'].sort(),
        );
        const inboxRows = await db
          .selectFrom('inbox')
          .select('message_id')
          .where('consumer', '=', 'claims-test')
          .execute();
        // m6 left no trace: a redelivery can still claim it.
        expect(inboxRows.map((r) => r.message_id).sort()).toEqual(
          ['m1', 'm2', 'm3', 'm4', 'm5', 'm7', 'm8', 'm9', 'm10', 'm11'].sort(),
        );
        expect(await claim('m6', 'S6', 6)).toBe('handled');
      });

      it('gives each concurrent reader its own order, lines and inbox answer', async () => {
        const db = shop.services.sql.db;
        const inbox = claims.create(db);
        await ensureUser(db, { userId: 'reader', email: 'reader@example.test', name: 'Reader', roles: [] });
        const now = new Date('2026-12-02T09:00:00.000Z');
        const orderIds = Array.from({ length: 10 }, (_, i) => `ord-read-${i}`);
        for (const [i, id] of orderIds.entries()) {
          await insertOrder(
            db,
            paidOrderRow(
              { id, userId: 'reader', totalMinor: 100 * (i + 1), email: `reader+${i}@example.test`, at: now },
              { ship_name: 'Reader' },
            ),
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
            inbox.findOrderForMessage(id, { consumer: 'receipts', messageId: `msg-read-${i}` }),
          ),
          inbox.findOrderForMessage('no-such-order', { consumer: 'receipts', messageId: 'msg-read-x' }),
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
}

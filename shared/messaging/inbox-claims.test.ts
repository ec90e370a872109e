import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseTarget, pgliteAndPostgres } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { type ClaimStatement, claimOnce } from './inbox';

// A consumer of its own, writing what it claims into low_stock_alerts (any table would do).
const flags: ClaimStatement = {
  consumer: 'claims-test',
  fields: 'sku varchar, available int',
  writes: `flagged as (
    insert into low_stock_alerts (sku, available, flagged_at)
    select sku, available, processed_at from mine
  )`,
};

function inboxClaims({ name, env, skipReason }: DatabaseTarget) {
  describe.skipIf(skipReason !== undefined)(
    `inbox claims shared between concurrent deliveries: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      beforeAll(async () => {
        shop = await startTestShop({ products: 0, host: false, env: await env() });
      }, 120_000);
      afterAll(async () => {
        await shop?.close();
      });

      it('claims each message once, writes only for the claimed, and a failing claim costs only itself', async () => {
        const db = shop.services.sql.db;
        await db
          .insertInto('inbox')
          .values({ consumer: 'claims-test', message_id: 'm3', processed_at: new Date() })
          .execute();
        const claim = (messageId: string, sku: string, available: number | null) =>
          claimOnce(db, flags, { messageId, fields: { sku, available }, keys: [`sku:${sku}`] }).catch(
            (error: unknown) => `failed: ${String(error).slice(0, 40)}`,
          );
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
        const inbox = await db
          .selectFrom('inbox')
          .select('message_id')
          .where('consumer', '=', 'claims-test')
          .execute();
        // m6 left no trace: a redelivery can still claim it.
        expect(inbox.map((r) => r.message_id).sort()).toEqual(
          ['m1', 'm2', 'm3', 'm4', 'm5', 'm7', 'm8', 'm9', 'm10', 'm11'].sort(),
        );
        expect(await claim('m6', 'S6', 6)).toBe('handled');
      });
    },
  );
}

for (const target of pgliteAndPostgres()) inboxClaims(target);

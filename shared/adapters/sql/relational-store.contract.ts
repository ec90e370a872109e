import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUser } from '../../identity/users.repository';
import {
  countInventory,
  findAvailability,
  insertMissingInventory,
} from '../../inventory/inventory.repository';
import { migrate, type RelationalStore } from './database';

/** The relational store's contract, run against every adapter that can run here. */
export function relationalStoreContract(
  name: string,
  open: () => Promise<RelationalStore | undefined>,
  skipReason?: string,
) {
  describe.skipIf(skipReason !== undefined)(
    `relational store contract: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let store: RelationalStore;
      beforeAll(async () => {
        store = (await open())!;
      });
      afterAll(async () => {
        await store?.close();
      });

      it('applies migrations once and again without change', async () => {
        await migrate(store.db, store.dialect);
        const row = await sql<{ n: number }>`select count(*)::int as n from kysely_migration`.execute(
          store.db,
        );
        expect(row.rows[0]!.n).toBeGreaterThan(0);
      });

      it('keeps 0 <= held <= on_hand with CHECK constraints', async () => {
        await insertMissingInventory(store.db, [{ sku: 'C-1', productId: 'p-c1', onHand: 3 }]);
        const tooMuch = store.db.updateTable('inventory').set({ held: 4 }).where('sku', '=', 'C-1').execute();
        await expect(tooMuch).rejects.toThrow();
        const negative = store.db
          .updateTable('inventory')
          .set({ on_hand: -1 })
          .where('sku', '=', 'C-1')
          .execute();
        await expect(negative).rejects.toThrow();
        expect(await findAvailability(store.db, 'C-1')).toMatchObject({ onHand: 3, held: 0, available: 3 });
      });

      it('counts affected rows for a conditional update (the hold primitive)', async () => {
        await insertMissingInventory(store.db, [{ sku: 'C-2', productId: 'p-c2', onHand: 2 }]);
        const hold = () =>
          store.db
            .updateTable('inventory')
            .set({ held: sql`held + 1` })
            .where('sku', '=', 'C-2')
            .where(sql<boolean>`on_hand - held >= 1`)
            .executeTakeFirst();
        const results = await Promise.all([hold(), hold(), hold()]);
        expect(results.map((r) => Number(r.numUpdatedRows)).sort()).toEqual([0, 1, 1]);
      });

      it('rolls a failed transaction back without a trace', async () => {
        await expect(
          store.db.transaction().execute(async (trx) => {
            await insertMissingInventory(trx, [{ sku: 'C-3', productId: 'p-c3', onHand: 1 }]);
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect(await findAvailability(store.db, 'C-3')).toBeUndefined();
      });

      it('inserts missing inventory idempotently and never lowers stock', async () => {
        const before = await countInventory(store.db);
        await insertMissingInventory(store.db, [{ sku: 'C-4', productId: 'p-c4', onHand: 9 }]);
        await insertMissingInventory(store.db, [{ sku: 'C-4', productId: 'p-c4', onHand: 1 }]);
        expect(await countInventory(store.db)).toBe(before + 1);
        expect((await findAvailability(store.db, 'C-4'))?.onHand).toBe(9);
      });

      it('creates a user once even when first sign-ins race', async () => {
        const principal = { userId: 'racer', email: 'r@example.test', name: 'R', roles: [] };
        await Promise.all(Array.from({ length: 5 }, () => ensureUser(store.db, principal)));
        const rows = await store.db.selectFrom('users').selectAll().where('id', '=', 'racer').execute();
        expect(rows).toHaveLength(1);
      });
    },
  );
}

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../shared/adapters/sql/schema';
import type { DeadLetterView } from '../../shared/messaging/dead-letters.port';
import type { EmailSender } from '../../shared/notifications/email-sender.port';
import type { OperationsOverview } from '../../shared/operations/operations.service';
import { address, visa } from '../../test/support/pay-now';
import { pgliteAndPostgres } from '../../test/support/postgres';
import { putLapsedLine, signUpShopper } from '../../test/support/shoppers';
import { invocation, startTestShop, type TestShop } from '../../test/support/test-shop';
import { releaseExpiredHoldsFunction } from '../cart/release-expired-holds';

function until(probe: () => Promise<boolean>, timeout = 30_000): Promise<void> {
  return vi.waitFor(async () => expect(await probe()).toBe(true), { timeout, interval: 50 });
}

for (const { name, env, skipReason } of pgliteAndPostgres()) {
  describe.skipIf(skipReason !== undefined)(
    `operations API on a running local shop: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop;
      let db: Db;
      let operator: string;
      let admin: string;
      let shopper: string;
      let realEmail: EmailSender;

      const api = async (path: string, init: { method?: string; token?: string; body?: unknown } = {}) => {
        const response = await fetch(`${shop.url}/api/${path}`, {
          method: init.method ?? 'GET',
          headers: {
            ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
            ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        });
        const text = await response.text();
        return {
          status: response.status,
          type: response.headers.get('content-type'),
          body: text ? JSON.parse(text) : undefined,
        };
      };
      const deadLetters = async (subscription?: string): Promise<DeadLetterView[]> =>
        (await shop.services.deadLetters.list()).filter(
          (d) => !subscription || d.subscription === subscription,
        );
      const overview = async (): Promise<OperationsOverview> => {
        const answer = await api('operations/overview', { token: operator });
        expect(answer.status).toBe(200);
        return answer.body as OperationsOverview;
      };
      const consumer = (o: OperationsOverview, name: string) => o.consumers.find((c) => c.consumer === name)!;

      beforeAll(async () => {
        shop = await startTestShop({ products: 4, env: await env() });
        db = shop.services.sql.db;
        operator = await shop.token('olive', ['operations']);
        admin = await shop.token('root', ['admin']);
        shopper = await shop.token('sam');
        // The receipts consumer fails every try: its three deliveries dead-letter each receipt.
        realEmail = shop.services.email;
        shop.services.email = {
          kind: 'outbox-folder',
          send: async () => {
            throw new Error('smtp relay refused');
          },
          close: async () => {},
        };
        for (const [i, product] of shop.products.slice(0, 3).entries()) {
          const userId = `ops-${i}`;
          await signUpShopper(db, userId);
          await putLapsedLine(db, userId, product);
          const response = await fetch(`${shop.url}/api/checkout`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${await shop.token(userId)}`,
              'content-type': 'application/json',
              'idempotency-key': randomUUID(),
            },
            body: JSON.stringify({ shippingAddress: address, payment: visa }),
          });
          expect(response.status).toBe(201);
        }
        await until(async () => (await deadLetters('receipts')).length === 3);
        // The healthy consumers handled all three.
        await until(async () => {
          const rows = await db
            .selectFrom('inbox')
            .select('consumer')
            .where('consumer', '<>', 'receipts')
            .execute();
          return rows.length === 6;
        });
      }, 180_000);
      afterAll(async () => {
        await shop?.close();
      });

      it('refuses callers without the role: 401 signed out, 403 forbidden for a shopper, and nothing changes', async () => {
        const [first] = await deadLetters('receipts');
        const calls: Array<{ path: string; method?: string; body?: unknown }> = [
          { path: 'operations/overview' },
          { path: 'admin/dead-letters' },
          { path: `admin/dead-letters/${first!.id}/replay`, method: 'POST' },
          { path: 'admin/dead-letters/replay-all', method: 'POST', body: {} },
          { path: `admin/dead-letters/${first!.id}`, method: 'DELETE' },
          {
            path: 'admin/dead-letters/purge',
            method: 'POST',
            body: { subscription: 'receipts', expectedCount: 3 },
          },
        ];
        for (const call of calls) {
          const anonymous = await api(call.path, call);
          expect(anonymous.status, `${call.method ?? 'GET'} ${call.path}`).toBe(401);
          const refused = await api(call.path, { ...call, token: shopper });
          expect(refused.status, `${call.method ?? 'GET'} ${call.path}`).toBe(403);
          expect(refused.type).toContain('application/problem+json');
          expect(refused.body.code).toBe('forbidden');
        }
        expect((await deadLetters('receipts')).map((d) => d.id).sort()).toHaveLength(3);
        expect(await deadLetters()).toHaveLength(3);
        // Admins may use it too.
        expect((await api('operations/overview', { token: admin })).status).toBe(200);
        expect((await api('admin/dead-letters', { token: admin })).status).toBe(200);
      });

      it('overview: health, no outbox lag, receipts 3 waiting and 3 dead letters, the others caught up, heartbeats per timer', async () => {
        const before = Date.now();
        await releaseExpiredHoldsFunction.handler(
          { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: undefined as never },
          invocation('release-expired-holds'),
        );
        const o = await overview();
        expect(Date.parse(o.checkedAt)).toBeGreaterThanOrEqual(before - 1000);
        expect(o.health.dependencies.sql?.status).toBe('up');
        expect(o.health.dependencies.bus?.status).toBe('up');
        expect(o.outbox).toEqual({ unpublished: 0, oldestUnpublishedAt: null, lagSeconds: 0 });
        const receipts = consumer(o, 'receipts');
        expect(receipts).toMatchObject({
          subscription: 'receipts',
          waiting: 3,
          lastHandledAt: null,
          deadLetters: 3,
        });
        expect(Date.parse(receipts.oldestWaitingAt!)).toBeLessThanOrEqual(Date.now());
        for (const name of ['inventory', 'fulfilment']) {
          expect(consumer(o, name)).toMatchObject({ waiting: 0, oldestWaitingAt: null, deadLetters: 0 });
          expect(Date.parse(consumer(o, name).lastHandledAt!)).toBeGreaterThanOrEqual(before - 120_000);
        }
        const beats = Object.fromEntries(o.heartbeats.map((h) => [h.component, h]));
        expect(Object.keys(beats)).toEqual(
          expect.arrayContaining(['heartbeat', 'recover-payments', 'relay-outbox', 'release-expired-holds']),
        );
        expect(beats['relay-outbox']!.everySeconds).toBe(300);
        expect(beats.heartbeat!.everySeconds).toBe(60);
        expect(beats['release-expired-holds']).toMatchObject({ everySeconds: 60, late: false });
        expect(Date.parse(beats['release-expired-holds']!.lastBeatAt!)).toBeGreaterThanOrEqual(before);
      });

      it('replays one dead letter: the receipt goes out and receipts has 2 waiting', async () => {
        shop.services.email = realEmail;
        const [first] = await deadLetters('receipts');
        const answer = await api(`admin/dead-letters/${first!.id}/replay`, {
          method: 'POST',
          token: operator,
        });
        expect(answer.status).toBe(202);
        await until(async () => consumer(await overview(), 'receipts').waiting === 2);
        const o = await overview();
        expect(consumer(o, 'receipts')).toMatchObject({ waiting: 2, deadLetters: 2 });
        expect(consumer(o, 'receipts').lastHandledAt).not.toBeNull();
      });

      it('purges one dead letter (204, then 404), without delivering it', async () => {
        const [target, kept] = await deadLetters('receipts');
        expect(
          (await api(`admin/dead-letters/${target!.id}`, { method: 'DELETE', token: operator })).status,
        ).toBe(204);
        const again = await api(`admin/dead-letters/${target!.id}`, { method: 'DELETE', token: operator });
        expect(again.status).toBe(404);
        expect(again.body.code).toBe('not_found');
        expect((await deadLetters()).map((d) => d.id)).toEqual([kept!.id]);
        // Never handled: it stays among receipts' waiting events (for 24 h).
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(consumer(await overview(), 'receipts')).toMatchObject({ waiting: 2, deadLetters: 1 });
      });

      it('replays all of a subscription: { replayed, failed } and the receipt goes out', async () => {
        const invalid = await api('admin/dead-letters/replay-all', {
          method: 'POST',
          token: operator,
          body: { subscription: 'nope' },
        });
        expect(invalid.status).toBe(400);
        expect(invalid.body.code).toBe('validation_failed');
        const answer = await api('admin/dead-letters/replay-all', {
          method: 'POST',
          token: operator,
          body: { subscription: 'receipts' },
        });
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ replayed: 1, failed: 0, errors: [] });
        await until(async () => consumer(await overview(), 'receipts').waiting === 1);
        expect(consumer(await overview(), 'receipts').deadLetters).toBe(0);
      });

      it('purges all of a subscription only at the count the operator confirmed (409 dead_letters_changed otherwise)', async () => {
        // A malformed event dead-letters on every subscription at once.
        const eventId = randomUUID();
        await shop.services.localBus!.publish('orders', [
          {
            messageId: eventId,
            subject: 'OrderPaid',
            body: { eventId, type: 'OrderPaid', orderId: 'broken' },
          },
        ]);
        await until(async () => (await deadLetters()).length === 3);

        const stale = await api('admin/dead-letters/purge', {
          method: 'POST',
          token: operator,
          body: { subscription: 'fulfilment', expectedCount: 2 },
        });
        expect(stale.status).toBe(409);
        expect(stale.body).toMatchObject({ code: 'dead_letters_changed', currentCount: 1 });
        expect(await deadLetters('fulfilment')).toHaveLength(1);

        const missing = await api('admin/dead-letters/purge', { method: 'POST', token: operator, body: {} });
        expect(missing.status).toBe(400);

        const purged = await api('admin/dead-letters/purge', {
          method: 'POST',
          token: operator,
          body: { subscription: 'fulfilment', expectedCount: 1 },
        });
        expect(purged.status).toBe(200);
        expect(purged.body).toEqual({ purged: 1, failed: 0, errors: [] });
        expect((await deadLetters()).map((d) => d.subscription).sort()).toEqual(['inventory', 'receipts']);
        const o = await overview();
        expect(o.consumers.map((c) => [c.consumer, c.deadLetters])).toEqual([
          ['receipts', 1],
          ['inventory', 1],
          ['fulfilment', 0],
        ]);
      });
    },
  );
}

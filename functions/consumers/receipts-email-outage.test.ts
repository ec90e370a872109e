import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { listOutbox } from '../../shared/adapters/email/outbox-folder-email-sender';
import type { Db } from '../../shared/adapters/sql/schema';
import type { EmailMessage, EmailSender } from '../../shared/notifications/email-sender.port';
import { address, visa } from '../../test/support/pay-now';
import { pgliteAndPostgres } from '../../test/support/postgres';
import { putLapsedLine, signUpShopper } from '../../test/support/shoppers';
import { startTestShop, type TestShop } from '../../test/support/test-shop';

// Issue #15, point 8: a short email outage must heal by itself (backoff between deliveries),
// not dead-letter every receipt within a second; and a hung email service (no answer) fails
// the try after the send timeout instead of holding the message. The shop's schedule is 5 s, 30 s, 2 min
// (shopTopology); scaled down here by ~20 so the test takes seconds: tries at 0, 0.25 s, 1.75 s
// and 7.75 s (plus the send timeout when the service hangs) against an outage of 4 s.
const scheduleMs = [250, 1_500, 6_000];
const outageMs = 4_000;
const orders = 6;

function until(probe: () => Promise<boolean>, timeout: number): Promise<void> {
  return vi.waitFor(async () => expect(await probe()).toBe(true), { timeout, interval: 50 });
}

/** A shopper with one unit in the cart (hold lapsed: Pay Now re-acquires it). */
async function shopperWithOneLine(
  db: Db,
  userId: string,
  product: { id: string; sku: string; name: string; priceMinor: number; currency: string },
) {
  await signUpShopper(db, userId);
  await putLapsedLine(db, userId, product); // at the catalogue price (checkout refuses a stale one)
}

for (const { name, env, skipReason } of pgliteAndPostgres()) {
  describe.skipIf(skipReason !== undefined)(
    `receipts through an email outage, on a running local shop: ${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`,
    () => {
      let shop: TestShop | undefined;
      afterAll(async () => {
        await shop?.close();
      });

      it.each([
        { outage: 'fails', hangMs: 0 },
        { outage: 'hangs (no answer: the consumer gives up after its send timeout)', hangMs: 300 },
      ])(
        'an email service that $outage for 4 s: every receipt is sent exactly once afterwards, nothing dead-lettered',
        async ({ hangMs }) => {
          await shop?.close();
          shop = await startTestShop({
            products: orders,
            env: await env(),
            busRedeliveryScheduleMs: scheduleMs,
          });
          const real = shop.services.email;
          let outageEndsAt: number | undefined;
          const tries = new Map<string, number[]>();
          const delivered: string[] = [];
          let hung = 0;
          const flaky: EmailSender = {
            kind: real.kind,
            ...(hangMs > 0 ? { sendTimeoutMs: hangMs } : {}),
            close: async () => {},
            async send(message: EmailMessage) {
              const now = Date.now();
              outageEndsAt ??= now + outageMs; // the outage starts with the first receipt
              tries.set(message.id, [...(tries.get(message.id) ?? []), now]);
              if (now < outageEndsAt) {
                if (hangMs === 0) throw new Error('email service unavailable (503)');
                hung++;
                return new Promise<void>(() => {}); // never answers
              }
              await real.send(message);
              delivered.push(message.id);
            },
          };
          shop.services.email = flaky;
          const db = shop.services.sql.db;

          const users = shop.products
            .slice(0, orders)
            .map((product, i) => ({ userId: `outage-${i}`, product }));
          for (const { userId, product } of users) await shopperWithOneLine(db, userId, product);
          const statuses = await Promise.all(
            users.map(async ({ userId }) => {
              const response = await fetch(`${shop!.url}/api/checkout`, {
                method: 'POST',
                headers: {
                  authorization: `Bearer ${await shop!.token(userId)}`,
                  'content-type': 'application/json',
                  'idempotency-key': randomUUID(),
                },
                body: JSON.stringify({ shippingAddress: address, payment: visa }),
              });
              return response.status;
            }),
          );
          expect(statuses).toEqual(users.map(() => 201));

          const paid = await db.selectFrom('orders').select(['id', 'receipt_sent_at']).execute();
          expect(paid).toHaveLength(orders);
          await until(async () => {
            const rows = await db.selectFrom('orders').select('receipt_sent_at').execute();
            return rows.every((row) => row.receipt_sent_at !== null);
          }, 60_000);

          // Every receipt failed during the outage, then went out once, by the backoff alone.
          const receiptIds = paid.map((order) => `receipt-${order.id}`).sort();
          expect([...delivered].sort()).toEqual(receiptIds);
          for (const id of receiptIds) {
            const times = tries.get(id)!;
            expect(times.length, id).toBeGreaterThanOrEqual(2);
            expect(times.at(-1)! >= outageEndsAt!, id).toBe(true);
            // Spaced by the schedule, not redelivered at once (allowing for timer granularity).
            for (let i = 1; i < times.length; i++)
              expect(times[i]! - times[i - 1]!, `${id} try ${i + 1}`).toBeGreaterThanOrEqual(
                scheduleMs[i - 1]! - 20,
              );
          }
          // More tries than maxDeliveryCount (3) for some receipt: without backoff it would be dead.
          expect(Math.max(...receiptIds.map((id) => tries.get(id)!.length))).toBeGreaterThan(3);
          expect(await shop.services.localBus!.deadLetters()).toEqual([]);
          expect(await shop.services.deadLetters.list()).toEqual([]);
          // The outbox folder holds one receipt per order, and nothing is left on the bus.
          const outbox = await listOutbox(shop.services.emailOutboxDir!);
          expect(outbox).toHaveLength(orders);
          await until(async () => Object.keys(await shop!.services.localBus!.depth()).length === 0, 10_000);
          // Nothing is sent again later (a redelivered copy would find the inbox row): a window
          // of ten receiver polls in which nothing may happen.
          await new Promise((resolve) => setTimeout(resolve, 500));
          expect(delivered).toHaveLength(orders);
          if (hangMs > 0) expect(hung).toBeGreaterThanOrEqual(orders);
        },
        150_000,
      );
    },
  );
}

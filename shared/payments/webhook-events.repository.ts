import type { Db } from '../adapters/sql/schema';
import { isUniqueViolation } from '../adapters/sql/transient-errors';
import type { PaymentProvider } from './payment-gateway.port';

/** `webhook_events` is the payments context's: which provider events have taken effect. */
export async function isWebhookEventRecorded(
  db: Db,
  provider: PaymentProvider,
  eventId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('webhook_events')
    .select('event_id')
    .where('provider', '=', provider)
    .where('event_id', '=', eventId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Records an event after it took effect. A concurrent delivery of the same event recorded it
 * first: that is fine (settling is idempotent). Any other failure is the caller's, so the
 * provider retries.
 */
export async function recordWebhookEvent(
  db: Db,
  provider: PaymentProvider,
  eventId: string,
  receivedAt: Date,
): Promise<void> {
  try {
    await db
      .insertInto('webhook_events')
      .values({ provider, event_id: eventId, received_at: receivedAt })
      .execute();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
  }
}

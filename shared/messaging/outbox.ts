import { randomUUID } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import { firstRows, isMssql } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';
import type { EventBus } from './event-bus.port';

export interface DomainEvent {
  id: string;
  topic: string;
  type: string;
  correlationId: string;
  body: Record<string, unknown>;
}

export function newEvent(
  topic: string,
  type: string,
  correlationId: string,
  body: Record<string, unknown>,
): DomainEvent {
  const id = randomUUID();
  return { id, topic, type, correlationId, body: { eventId: id, type, ...body } };
}

/** Writes an event in the caller's transaction: it exists exactly when the change does. */
export async function addToOutbox(db: Db, event: DomainEvent): Promise<void> {
  await db
    .insertInto('outbox')
    .values({
      id: event.id,
      topic: event.topic,
      type: event.type,
      correlation_id: event.correlationId,
      body: JSON.stringify(event.body),
      created_at: new Date(),
      published_at: null,
    })
    .execute();
}

/**
 * Publishes what the outbox holds (message id = event id, so a re-publish after a crash is
 * dropped by duplicate detection and by idempotent consumers), then marks it published.
 */
export async function relayOutbox(db: Db, bus: EventBus, batchSize = 100): Promise<number> {
  let published = 0;
  for (;;) {
    const query = db
      .selectFrom('outbox')
      .selectAll()
      .where('published_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id');
    const rows = await firstRows(query, batchSize, isMssql(db)).execute();
    if (rows.length === 0) return published;
    const byTopic = new Map<string, typeof rows>();
    for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
    for (const [topic, events] of byTopic) {
      await bus.publish(
        topic,
        events.map((row) => ({
          messageId: row.id,
          subject: row.type,
          correlationId: row.correlation_id,
          body: JSON.parse(row.body),
        })),
      );
    }
    await db
      .updateTable('outbox')
      .set({ published_at: new Date() })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    published += rows.length;
    if (rows.length < batchSize) return published;
  }
}

/**
 * Runs `work` once per message id for a consumer: the inbox row and the work commit together,
 * so a redelivered message (or a concurrent duplicate) finds the row and does nothing. The inbox
 * row is written first, so a duplicate fails on it before any work; no read ahead of it (one
 * round trip less for every first delivery, the common case).
 */
export async function handleOnce(
  db: Db,
  consumer: string,
  messageId: string,
  work: (trx: Db) => Promise<void>,
): Promise<'handled' | 'duplicate'> {
  try {
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('inbox')
        .values({ consumer, message_id: messageId, processed_at: new Date() })
        .execute();
      await work(trx);
    });
    return 'handled';
  } catch (error) {
    if (/duplicate key|unique constraint|violation of primary key/i.test(String(error))) return 'duplicate';
    throw error;
  }
}

// One relay per bus at a time: a nudge during a run asks that run to go round once more,
// instead of starting a second relay that would publish the same rows again.
const relays = new WeakMap<EventBus, { running: Promise<void>; again: boolean }>();

/** Starts (or re-arms) the relay without waiting for it; the relay timer is the safety net. */
export function nudgeRelay(db: Db, bus: EventBus, onError: (error: unknown) => void): Promise<void> {
  const current = relays.get(bus);
  if (current) {
    current.again = true;
    return current.running;
  }
  const state = { running: Promise.resolve(), again: false };
  state.running = (async () => {
    try {
      do {
        state.again = false;
        await relayOutbox(db, bus);
      } while (state.again);
    } catch (error) {
      onError(error);
    } finally {
      relays.delete(bus);
    }
  })();
  relays.set(bus, state);
  return state.running;
}

/**
 * PostgreSQL: the inbox claim as the first step of a consumer's one statement. `work` is the
 * rest of the statement's CTEs; it must write only `where exists (select 1 from claimed)`.
 * Returns 'duplicate' when the message id was already claimed (a concurrent duplicate waits
 * for the first claim's commit, then finds it).
 */
export async function claimedInOneStatement(
  db: Db,
  statement: string,
  parameters: unknown[],
): Promise<'handled' | 'duplicate'> {
  const { rows } = await db.executeQuery<{ claimed: string | number }>(
    CompiledQuery.raw(statement, parameters),
  );
  return Number(rows[0]!.claimed) === 1 ? 'handled' : 'duplicate';
}

/** The claim CTE: $1 consumer, $2 message id, $3 now. */
export const inboxClaim = `claimed as (
    insert into inbox (consumer, message_id, processed_at)
    values ($1::varchar, $2::varchar, $3::timestamptz)
    on conflict do nothing
    returning 1
  )`;

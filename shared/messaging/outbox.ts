import { randomUUID } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import { firstRows, isMssql } from '../adapters/sql/dialect';
import type { Db } from '../adapters/sql/schema';
import type { EventBus } from './event-bus.port';
import type { EventFields, EventOf, EventType, TopicOf } from './integration-events';

/** An integration event on its way out: the outbox row and, published, the bus message. */
export interface DomainEvent<T extends EventType = EventType> {
  id: string;
  topic: TopicOf<T>;
  type: T;
  correlationId: string;
  body: EventOf<T>;
}

/** A new event; its body's fields are the ones integration-events.ts declares for `type`. */
export function newEvent<T extends EventType>(
  topic: TopicOf<T>,
  type: T,
  correlationId: string,
  fields: EventFields<T>,
): DomainEvent<T> {
  const id = randomUUID();
  // Same wire format as ever: the event id and name first, then the fields.
  const body = { eventId: id, type, ...fields } as EventOf<T>;
  return { id, topic, type, correlationId, body };
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
    await publishRows(bus, rows);
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

/** Which sent events to publish again: those the relay marked sent in [since, until). */
export interface RepublishWindow {
  since: Date;
  /** Exclusive; open-ended when absent. */
  until?: Date;
}

/**
 * Publishes again the events the relay already marked sent, for a bus that lost them: after a
 * Service Bus geo-disaster-recovery failover the secondary namespace has the entities but none
 * of the messages (docs/runbook.md, "Region failover drill"). Same message id (= event id), so
 * consumers' inbox rows turn every event they had already handled into a no-op, and only the
 * lost ones take effect. Rows are read in pages ordered by (published_at, id) and left as they
 * are; unsent rows are the relay's job. Returns how many were published.
 */
export async function republishOutbox(
  db: Db,
  bus: EventBus,
  window: RepublishWindow,
  batchSize = 100,
): Promise<number> {
  let published = 0;
  let after: { publishedAt: Date; id: string } | undefined;
  for (;;) {
    let query = db
      .selectFrom('outbox')
      .selectAll()
      .where('published_at', '>=', window.since)
      .orderBy('published_at')
      .orderBy('id');
    if (window.until) query = query.where('published_at', '<', window.until);
    if (after) {
      const last = after;
      query = query.where((eb) =>
        eb.or([
          eb('published_at', '>', last.publishedAt),
          eb.and([eb('published_at', '=', last.publishedAt), eb('id', '>', last.id)]),
        ]),
      );
    }
    const rows = await firstRows(query, batchSize, isMssql(db)).execute();
    if (rows.length === 0) return published;
    await publishRows(bus, rows);
    published += rows.length;
    const tail = rows.at(-1)!;
    after = { publishedAt: new Date(tail.published_at!), id: tail.id };
    if (rows.length < batchSize) return published;
  }
}

/** One publish per topic, message id = event id. */
async function publishRows(
  bus: EventBus,
  rows: { id: string; topic: string; type: string; correlation_id: string; body: string }[],
): Promise<void> {
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
 * PostgreSQL: addToOutbox as the body of a CTE of a one-statement write (checkout's settlement
 * as paid, checkout.repository.ts): the event is written once for each row of `from` (one).
 */
export function addToOutboxStatement(event: DomainEvent, from: string, createdAt: Date): RawBuilder<unknown> {
  return sql`insert into outbox (id, topic, type, correlation_id, body, created_at, published_at)
    select ${event.id}::varchar, ${event.topic}::varchar, ${event.type}::varchar, ${event.correlationId}::varchar,
           ${JSON.stringify(event.body)}::text, ${createdAt.toISOString()}::timestamptz, null
    from ${sql.raw(from)}`;
}

import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { sql } from 'kysely';
import {
  type EventBus,
  type OutgoingMessage,
  redeliveryDelayMs,
  type Topology,
} from '../../messaging/event-bus.port';
import type { Db } from '../sql/schema';

export interface ReceivedMessage {
  seq: number;
  messageId: string;
  subscription: string;
  subject: string;
  correlationId: string;
  body: unknown;
  enqueuedAt: Date;
  deliveryCount: number;
  /** Backoff redeliveries before this one (0 on the first try). */
  redeliveries: number;
  lockToken: string;
}

/**
 * The bus's sense of time: when a lock expires, when a scheduled or backed-off message becomes
 * visible. Tests pass one they move forward (test/support/manual-clock.ts) instead of sleeping.
 */
export interface BusClock {
  now(): number;
}

export interface LocalBusOptions {
  lockDurationMs?: number;
  clock?: BusClock;
}

const systemClock: BusClock = { now: () => Date.now() };

export interface DeadLetter {
  seq: number;
  messageId: string;
  topic: string;
  subscription: string;
  subject: string;
  body: unknown;
  deliveryCount: number;
  reason: string;
  enqueuedAt: Date;
}

/**
 * The local twin of Service Bus topics, kept in a SQL table so that nothing is lost when the
 * host is killed: publishing fans out one row per subscription; receiving takes a peek-lock
 * (the row becomes invisible until the lock expires); completing deletes it; abandoning
 * makes it visible again, and after `maxDeliveryCount` deliveries it is dead-lettered.
 * Runs on PostgreSQL/PGlite only (it never runs in Azure).
 */
export class LocalBus implements EventBus {
  /** Emits the subscription name when a message may be ready, so receivers need not wait a poll. */
  readonly signals = new EventEmitter();
  private readonly clock: BusClock;

  constructor(
    private readonly db: Db,
    private readonly topology: Topology,
    private readonly options: LocalBusOptions = {},
  ) {
    this.signals.setMaxListeners(100);
    this.clock = options.clock ?? systemClock;
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  static async open(db: Db, topology: Topology, options: LocalBusOptions = {}): Promise<LocalBus> {
    await db.schema
      .createTable('local_bus_messages')
      .ifNotExists()
      .addColumn('seq', 'serial', (c) => c.primaryKey())
      .addColumn('message_id', 'varchar(200)', (c) => c.notNull())
      .addColumn('topic', 'varchar(100)', (c) => c.notNull())
      .addColumn('subscription', 'varchar(100)', (c) => c.notNull())
      .addColumn('subject', 'varchar(200)', (c) => c.notNull())
      .addColumn('correlation_id', 'varchar(200)', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('enqueued_at', 'timestamptz', (c) => c.notNull())
      .addColumn('visible_at', 'timestamptz', (c) => c.notNull())
      .addColumn('delivery_count', 'integer', (c) => c.notNull())
      .addColumn('lock_token', 'varchar(64)')
      .addColumn('state', 'varchar(10)', (c) => c.notNull())
      .addColumn('dead_letter_reason', 'text')
      .execute();
    // Duplicate detection on message id, per subscription, as long as the message is held.
    await sql`create unique index if not exists local_bus_dedup on local_bus_messages (subscription, message_id)`.execute(
      db,
    );
    // Added after the first release: local data folders made before it get the column here.
    await sql`alter table local_bus_messages add column if not exists redeliveries integer not null default 0`.execute(
      db,
    );
    await sql`create index if not exists local_bus_ready on local_bus_messages (subscription, state, visible_at)`.execute(
      db,
    );
    return new LocalBus(db, topology, options);
  }

  subscriptionsOf(topic: string): string[] {
    return Object.keys(this.topology[topic] ?? {});
  }

  maxDeliveryCount(topic: string, subscription: string): number {
    return this.topology[topic]?.[subscription]?.maxDeliveryCount ?? 10;
  }

  /**
   * How long a message that failed after `redeliveries` backoff redeliveries waits before the
   * next try; undefined when the subscription's schedule is used up (then `abandon`).
   */
  redeliveryDelayMs(topic: string, subscription: string, redeliveries: number): number | undefined {
    return redeliveryDelayMs(this.topology, topic, subscription, redeliveries);
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const subscriptions = this.subscriptionsOf(topic);
    if (subscriptions.length === 0) throw new Error(`Topic '${topic}' has no subscriptions in the topology.`);
    const now = this.now();
    const rows = messages.flatMap((message) =>
      subscriptions.map((subscription) => ({
        message_id: message.messageId,
        topic,
        subscription,
        subject: message.subject,
        correlation_id: message.correlationId ?? '',
        body: JSON.stringify(message.body),
        enqueued_at: now,
        visible_at: message.scheduledEnqueueTime ?? now,
        delivery_count: 0,
        lock_token: null,
        state: 'active' as const,
        dead_letter_reason: null,
      })),
    );
    if (rows.length === 0) return;
    await this.db
      .insertInto('local_bus_messages')
      .values(rows)
      .onConflict((oc) => oc.columns(['subscription', 'message_id']).doNothing())
      .execute();
    for (const subscription of subscriptions) this.signals.emit('ready', `${topic}/${subscription}`);
  }

  /** Peek-locks up to `max` visible messages of a subscription. */
  async receive(topic: string, subscription: string, max: number): Promise<ReceivedMessage[]> {
    const lockDurationMs = this.options.lockDurationMs ?? 60_000;
    const lockToken = randomUUID();
    const now = this.now();
    // One statement picks and locks, so two receivers never take the same message.
    const rows = await this.db
      .updateTable('local_bus_messages')
      .set({
        visible_at: new Date(now.getTime() + lockDurationMs),
        delivery_count: sql`delivery_count + 1`,
        lock_token: lockToken,
      })
      .where(
        'seq',
        'in',
        this.db
          .selectFrom('local_bus_messages')
          .select('seq')
          .where('topic', '=', topic)
          .where('subscription', '=', subscription)
          .where('state', '=', 'active')
          .where('visible_at', '<=', now)
          .orderBy('seq')
          .limit(max)
          .forUpdate()
          .skipLocked(),
      )
      .returningAll()
      .execute();
    return rows
      .sort((a, b) => a.seq - b.seq)
      .map((row) => ({
        seq: row.seq,
        messageId: row.message_id,
        subscription: row.subscription,
        subject: row.subject,
        correlationId: row.correlation_id,
        body: JSON.parse(row.body),
        enqueuedAt: row.enqueued_at,
        deliveryCount: row.delivery_count,
        redeliveries: row.redeliveries,
        lockToken,
      }));
  }

  /** Settles a processed message. A lost lock (it expired and was redelivered) is a no-op. */
  complete(message: ReceivedMessage): Promise<void> {
    return this.completeAll([message]);
  }

  /** Settles processed messages, one statement per receive they came from (its lock token). */
  async completeAll(messages: ReceivedMessage[]): Promise<void> {
    const byLock = new Map<string, number[]>();
    for (const message of messages) {
      const seqs = byLock.get(message.lockToken);
      if (seqs) seqs.push(message.seq);
      else byLock.set(message.lockToken, [message.seq]);
    }
    for (const [lockToken, seqs] of byLock) {
      await this.db
        .deleteFrom('local_bus_messages')
        .where('seq', 'in', seqs)
        .where('lock_token', '=', lockToken)
        .execute();
    }
  }

  /**
   * The local twin of what a Service Bus consumer does to back off (redelivery.ts): the failed
   * message comes back `delayMs` later with a fresh delivery count, one more redelivery and
   * the same message id (so consumers' inboxes still recognise it). False if the lock was lost.
   */
  async redeliverLater(topic: string, message: ReceivedMessage, delayMs: number): Promise<boolean> {
    const result = await this.db
      .updateTable('local_bus_messages')
      .set({
        visible_at: new Date(this.clock.now() + delayMs),
        delivery_count: 0,
        redeliveries: sql`redeliveries + 1`,
        lock_token: null,
      })
      .where('seq', '=', message.seq)
      .where('topic', '=', topic)
      .where('lock_token', '=', message.lockToken)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Gives a failed message back, or dead-letters it when its deliveries are used up. */
  async abandon(topic: string, message: ReceivedMessage, reason: string): Promise<'retry' | 'dead-lettered'> {
    const dead = message.deliveryCount >= this.maxDeliveryCount(topic, message.subscription);
    await this.db
      .updateTable('local_bus_messages')
      .set(
        dead
          ? { state: 'dead', dead_letter_reason: reason.slice(0, 2000), lock_token: null }
          : { visible_at: this.now(), lock_token: null },
      )
      .where('seq', '=', message.seq)
      .where('lock_token', '=', message.lockToken)
      .execute();
    if (!dead) this.signals.emit('ready', `${topic}/${message.subscription}`);
    return dead ? 'dead-lettered' : 'retry';
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const rows = await this.db
      .selectFrom('local_bus_messages')
      .selectAll()
      .where('state', '=', 'dead')
      .orderBy('seq')
      .execute();
    return rows.map((row) => ({
      seq: row.seq,
      messageId: row.message_id,
      topic: row.topic,
      subscription: row.subscription,
      subject: row.subject,
      body: JSON.parse(row.body),
      deliveryCount: row.delivery_count,
      reason: row.dead_letter_reason ?? '',
      enqueuedAt: row.enqueued_at,
    }));
  }

  /** Puts a dead-lettered message back on its subscription with a fresh delivery count and backoff schedule. */
  async replay(seq: number): Promise<boolean> {
    const result = await this.db
      .updateTable('local_bus_messages')
      .set({
        state: 'active',
        delivery_count: 0,
        redeliveries: 0,
        visible_at: this.now(),
        dead_letter_reason: null,
      })
      .where('seq', '=', seq)
      .where('state', '=', 'dead')
      .returning(['topic', 'subscription'])
      .executeTakeFirst();
    if (result) this.signals.emit('ready', `${result.topic}/${result.subscription}`);
    return result !== undefined;
  }

  /** Deletes a dead-lettered message (an operator's purge); false when it is not dead-lettered. */
  async purgeDeadLetter(seq: number): Promise<boolean> {
    const result = await this.db
      .deleteFrom('local_bus_messages')
      .where('seq', '=', seq)
      .where('state', '=', 'dead')
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Messages waiting (active, including scheduled and locked ones) per subscription. */
  async depth(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('local_bus_messages')
      .select(['topic', 'subscription', (eb) => eb.fn.countAll<string>().as('n')])
      .where('state', '=', 'active')
      .groupBy(['topic', 'subscription'])
      .execute();
    return Object.fromEntries(rows.map((row) => [`${row.topic}/${row.subscription}`, Number(row.n)]));
  }

  async close(): Promise<void> {
    this.signals.removeAllListeners();
  }
}

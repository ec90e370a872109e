import { Cron } from 'croner';
import { sql } from 'kysely';
import * as z from 'zod';
import type { Db } from '../adapters/sql/schema';
import type { DeadLetterQueue, DeadLetterView } from '../messaging/dead-letters.port';
import { AppError } from '../platform/errors';
import type { HealthReport } from '../platform/health';
import { parseWith } from '../platform/http';
import { listHeartbeats } from './heartbeats.repository';

/**
 * Each consumer of topic `orders`: its inbox name, its subscription and the event types it
 * handles (as functions/consumers/*.ts read them). Lag is measured from SQL alone: events in the
 * outbox of those types without an inbox row for the consumer. So it reads the same locally and
 * in Azure, and needs no Service Bus management rights.
 */
export const orderConsumers = [
  { consumer: 'receipts', topic: 'orders', subscription: 'receipts', handles: ['OrderPaid', 'OrderShipped'] },
  { consumer: 'inventory', topic: 'orders', subscription: 'inventory', handles: ['OrderPaid'] },
  { consumer: 'fulfilment', topic: 'orders', subscription: 'fulfilment', handles: ['OrderPaid'] },
] as const;

/** How far back consumer lag looks: older events are history (and the outbox index stays cheap). */
const lagWindowMs = 24 * 60 * 60 * 1000;

/** A timer as both hosts run it: its name is its heartbeat's component. */
export interface TimerSchedule {
  name: string;
  /** NCRONTAB with seconds, UTC. */
  schedule: string;
}

export interface ConsumerLag {
  consumer: string;
  subscription: string;
  /** Events of the types it handles, created in the last 24 h, not yet handled by it. */
  waiting: number;
  oldestWaitingAt: string | null;
  /** Its latest inbox row (any event, any age). */
  lastHandledAt: string | null;
  /** Its subscription's dead letters; null when the dead-letter queues could not be read. */
  deadLetters: number | null;
}

export interface HeartbeatStatus {
  component: string;
  lastBeatAt: string | null;
  /** The timer's interval; null for a component no timer declares any more. */
  everySeconds: number | null;
  /** No successful run within two intervals and a minute (or never). */
  late: boolean;
  detail: string | null;
}

export interface OperationsOverview {
  checkedAt: string;
  health: HealthReport;
  outbox: { unpublished: number; oldestUnpublishedAt: string | null; lagSeconds: number };
  consumers: ConsumerLag[];
  heartbeats: HeartbeatStatus[];
  /** Why the dead-letter counts are missing, when they are. */
  deadLettersError?: string;
}

export interface OverviewDeps {
  db: Db;
  deadLetters: DeadLetterQueue;
  checkHealth: () => Promise<HealthReport>;
  timers: readonly TimerSchedule[];
  now?: Date;
}

/** Everything the operations page shows but the dead letters themselves, read in parallel. */
export async function operationsOverview(deps: OverviewDeps): Promise<OperationsOverview> {
  const now = deps.now ?? new Date();
  const [health, outbox, consumers, heartbeats, deadLetters] = await Promise.all([
    deps.checkHealth(),
    outboxLag(deps.db, now),
    Promise.all(orderConsumers.map((c) => consumerLag(deps.db, c.consumer, c.handles, now))),
    heartbeatStatuses(deps.db, deps.timers, now),
    deps.deadLetters.list().then(
      (items) => ({ items }),
      (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
    ),
  ]);
  return {
    checkedAt: now.toISOString(),
    health,
    outbox,
    consumers: orderConsumers.map((c, i) => ({
      consumer: c.consumer,
      subscription: c.subscription,
      ...consumers[i]!,
      deadLetters:
        'items' in deadLetters
          ? deadLetters.items.filter((d) => d.topic === c.topic && d.subscription === c.subscription).length
          : null,
    })),
    heartbeats,
    ...('error' in deadLetters ? { deadLettersError: deadLetters.error } : {}),
  };
}

async function outboxLag(db: Db, now: Date): Promise<OperationsOverview['outbox']> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('created_at').as('oldest')])
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  const oldest = row.oldest ? new Date(row.oldest) : null;
  return {
    unpublished: Number(row.n),
    oldestUnpublishedAt: oldest?.toISOString() ?? null,
    lagSeconds: oldest ? Math.max(0, Math.round((now.getTime() - oldest.getTime()) / 1000)) : 0,
  };
}

async function consumerLag(
  db: Db,
  consumer: string,
  handles: readonly string[],
  now: Date,
): Promise<Pick<ConsumerLag, 'waiting' | 'oldestWaitingAt' | 'lastHandledAt'>> {
  const [waiting, handled] = await Promise.all([
    db
      .selectFrom('outbox')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.min('outbox.created_at').as('oldest'),
      ])
      .where('outbox.type', 'in', [...handles])
      .where('outbox.created_at', '>=', new Date(now.getTime() - lagWindowMs))
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('inbox')
              .select(sql<number>`1`.as('one'))
              .where('inbox.consumer', '=', consumer)
              .whereRef('inbox.message_id', '=', 'outbox.id'),
          ),
        ),
      )
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('inbox')
      .select((eb) => eb.fn.max('processed_at').as('last'))
      .where('consumer', '=', consumer)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    waiting: Number(waiting.n),
    oldestWaitingAt: waiting.oldest ? new Date(waiting.oldest).toISOString() : null,
    lastHandledAt: handled.last ? new Date(handled.last).toISOString() : null,
  };
}

/** Seconds between two runs of an NCRONTAB schedule (the shortest gap in the next few runs). */
export function intervalSeconds(schedule: string, from = new Date()): number {
  const runs = new Cron(schedule, { timezone: 'UTC', paused: true }).nextRuns(4, from);
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < runs.length; i++)
    shortest = Math.min(shortest, (runs[i]!.getTime() - runs[i - 1]!.getTime()) / 1000);
  return Number.isFinite(shortest) ? Math.round(shortest) : 0;
}

async function heartbeatStatuses(
  db: Db,
  timers: readonly TimerSchedule[],
  now: Date,
): Promise<HeartbeatStatus[]> {
  const beats = new Map((await listHeartbeats(db)).map((b) => [b.component, b]));
  const statuses: HeartbeatStatus[] = timers.map((timer) => {
    const everySeconds = intervalSeconds(timer.schedule, now);
    const beat = beats.get(timer.name);
    beats.delete(timer.name);
    // Two missed runs and a minute's grace: one slow run or a host restart is not an alarm.
    const late = !beat || now.getTime() - beat.lastBeatAt.getTime() > (2 * everySeconds + 60) * 1000;
    return {
      component: timer.name,
      lastBeatAt: beat?.lastBeatAt.toISOString() ?? null,
      everySeconds,
      late,
      detail: beat?.detail ?? null,
    };
  });
  // Rows of components no timer declares any more: shown, never late.
  for (const beat of beats.values())
    statuses.push({
      component: beat.component,
      lastBeatAt: beat.lastBeatAt.toISOString(),
      everySeconds: null,
      late: false,
      detail: beat.detail,
    });
  return statuses.sort((a, b) => a.component.localeCompare(b.component));
}

const subscriptionNames: readonly string[] = orderConsumers.map((c) => c.subscription);
const subscriptionSchema = z
  .string()
  .refine(
    (s) => subscriptionNames.includes(s),
    `subscription must be one of ${subscriptionNames.join(', ')}`,
  );

const replayAllSchema = z.strictObject({ subscription: subscriptionSchema.optional() });
const purgeAllSchema = z.strictObject({
  subscription: subscriptionSchema,
  expectedCount: z.number().int().min(0),
});

export interface BulkOutcome {
  /** Dead letters that were found and settled. */
  done: number;
  /** Dead letters that could not be settled now (locked, gone meanwhile, or an error). */
  failed: number;
  /** Why the first few failed, for the operator. */
  errors: string[];
}

async function settleEach(
  items: DeadLetterView[],
  settle: (id: string) => Promise<boolean>,
): Promise<BulkOutcome> {
  const outcome: BulkOutcome = { done: 0, failed: 0, errors: [] };
  // One at a time: the Service Bus adapter locks by receiving in order, and parallel receivers
  // on one queue would lock each other's targets.
  for (const item of items) {
    try {
      if (await settle(item.id)) outcome.done++;
      else {
        outcome.failed++;
        if (outcome.errors.length < 5) outcome.errors.push(`${item.id}: no longer dead-lettered`);
      }
    } catch (error) {
      outcome.failed++;
      if (outcome.errors.length < 5)
        outcome.errors.push(`${item.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return outcome;
}

/** Replays every dead letter, or those of one subscription (body `{ subscription? }`). */
export async function replayAll(
  queue: DeadLetterQueue,
  body: unknown,
): Promise<{ replayed: number; failed: number; errors: string[] }> {
  const { subscription } = parseWith(replayAllSchema, body);
  const items = (await queue.list()).filter((d) => !subscription || d.subscription === subscription);
  const { done, failed, errors } = await settleEach(items, (id) => queue.replay(id));
  return { replayed: done, failed, errors };
}

/**
 * Purges a subscription's dead letters, only if there are still exactly `expectedCount` of
 * them (what the operator saw and confirmed); otherwise 409 `dead_letters_changed` and
 * nothing purged. Only the dead letters listed here are purged, so one arriving meanwhile is
 * never removed unseen.
 */
export async function purgeAll(
  queue: DeadLetterQueue,
  body: unknown,
): Promise<{ purged: number; failed: number; errors: string[] }> {
  const { subscription, expectedCount } = parseWith(purgeAllSchema, body);
  const items = (await queue.list()).filter((d) => d.subscription === subscription);
  if (items.length !== expectedCount)
    throw new AppError(
      409,
      'dead_letters_changed',
      `Subscription '${subscription}' has ${items.length} dead letters now, not ${expectedCount}: look again before purging.`,
      { currentCount: items.length },
    );
  const { done, failed, errors } = await settleEach(items, (id) => queue.purge(id));
  return { purged: done, failed, errors };
}

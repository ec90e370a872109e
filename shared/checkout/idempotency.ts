import { createHash } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../adapters/sql/schema';
import { isUniqueViolation } from '../adapters/sql/transient-errors';
import { findOrder, orderView } from '../orders/orders.repository';
import { type CheckoutOutcome, isFinal, type KeptOutcome, orderOutcome } from './checkout-outcome';
import type { CheckoutRequest } from './checkout-request';

/*
 * Pay Now's Idempotency-Key (the `idempotency_keys` table, written only here and by the
 * reservation, which claims the key with the order it writes): the same key replays the first
 * outcome; a key used for another request is refused.
 *
 * A key keeps its final outcome as JSON in `response_body` (`response_status` stays null); the
 * trigger words it as HTTP, first time and replay alike. A row with `response_status` set was
 * kept by the code before typed outcomes and holds the HTTP answer itself: it is replayed as it is.
 */

/** Pay Now's final outcome, kept under the shopper's Idempotency-Key. */
export interface KeptAnswer {
  userId: string;
  key: string;
  /** Pay Now's response, as its typed outcome (the trigger words it as HTTP). */
  response: KeptOutcome;
}

/** The key a Pay Now claims: who sent it, the key, and the hash of the request it came with. */
export interface KeyClaim {
  userId: string;
  key: string;
  requestHash: string;
}

export function requestHash(request: CheckoutRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

/** The kept outcome as stored in `response_body`. */
function serializeOutcome(outcome: KeptOutcome): string {
  return JSON.stringify(outcome);
}

/** A kept outcome read back; JSON has no dates, so the one a refusal carries is revived. */
function parseOutcome(text: string): KeptOutcome {
  const kept = JSON.parse(text) as KeptOutcome;
  if (kept.kind === 'refused' && kept.refusal.outcome === 'payment_pending') {
    return { ...kept, refusal: { ...kept.refusal, retryAfter: new Date(kept.refusal.retryAfter) } };
  }
  return kept;
}

/** Claims the key for an order in the caller's transaction; a used key is a unique violation. */
export async function claimKey(db: Db, claim: KeyClaim, orderId: string, now: Date): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({
      user_id: claim.userId,
      idempotency_key: claim.key,
      request_hash: claim.requestHash,
      order_id: orderId,
      response_status: null,
      response_body: null,
      created_at: now,
    })
    .execute();
}

/** The outcome kept under the key, or the one for its order's state; undefined when neither yet. */
export async function replayed(
  db: Db,
  userId: string,
  key: string,
  hash: string,
): Promise<CheckoutOutcome | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.request_hash !== hash) return { kind: 'idempotency_conflict' };
  if (row.response_body !== null) {
    if (row.response_status !== null) {
      return { kind: 'kept_http_answer', status: row.response_status, body: JSON.parse(row.response_body) };
    }
    return parseOutcome(row.response_body);
  }
  if (row.order_id) {
    const found = await findOrder(db, row.order_id);
    if (found) return orderOutcome(orderView(found.order, found.lines));
  }
  return undefined;
}

/** The outcome of the request that holds the key (one not final may still be charging: wait a little). */
export async function waitForOutcome(
  db: Db,
  userId: string,
  key: string,
  hash: string,
): Promise<CheckoutOutcome> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const outcome = await replayed(db, userId, key, hash);
    if (outcome && isFinal(outcome)) return outcome;
    if (outcome && attempt > 20) return outcome;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { kind: 'request_in_progress' };
}

/** Keeps the final outcome under the key (in the caller's transaction when given one). */
export async function keepAnswer(db: Db, userId: string, key: string, outcome: KeptOutcome): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ response_body: serializeOutcome(outcome) })
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .execute();
}

/** Keeps a refusal as the key's outcome (or returns the outcome a concurrent request kept). */
export async function keepRefusal(
  db: Db,
  userId: string,
  key: string,
  hash: string,
  outcome: Extract<KeptOutcome, { kind: 'refused' }>,
): Promise<CheckoutOutcome> {
  try {
    await db
      .insertInto('idempotency_keys')
      .values({
        user_id: userId,
        idempotency_key: key,
        request_hash: hash,
        order_id: null,
        response_status: null,
        response_body: serializeOutcome(outcome),
        created_at: new Date(),
      })
      .execute();
    return outcome;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return waitForOutcome(db, userId, key, hash);
  }
}

/** PostgreSQL: claimKey as the body of a CTE of the one-statement reservation, when `go` has a row. */
export function claimKeyStatement(
  claim: KeyClaim,
  orderId: string,
  now: Date,
  go: string,
): RawBuilder<unknown> {
  return sql`insert into idempotency_keys
      (user_id, idempotency_key, request_hash, order_id, response_status, response_body, created_at)
    select ${claim.userId}::varchar, ${claim.key}::varchar, ${claim.requestHash}::varchar, ${orderId}::varchar,
           null, null, ${now.toISOString()}::timestamptz
    from ${sql.raw(go)}`;
}

/** PostgreSQL: keepAnswer as the body of a CTE, when `when` has a row (nothing kept for none). */
export function keepAnswerStatement(kept: KeptAnswer | undefined, when: string): RawBuilder<unknown> {
  return sql`update idempotency_keys
    set response_body = ${kept ? serializeOutcome(kept.response) : null}::text
    where user_id = ${kept?.userId ?? null}::varchar and idempotency_key = ${kept?.key ?? null}::varchar
      and exists (select 1 from ${sql.raw(when)})`;
}

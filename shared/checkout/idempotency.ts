import { createHash } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../adapters/sql/schema';
import { isUniqueViolation } from '../adapters/sql/transient-errors';
import { findOrder, orderView } from '../orders/orders.repository';
import { AppError } from '../platform/errors';
import type { CheckoutRequest } from './checkout-request';
import { type CheckoutResponse, responseForOrder } from './checkout-response';

/*
 * Pay Now's Idempotency-Key (the `idempotency_keys` table, written only here and by the
 * reservation, which claims the key with the order it writes): the same key replays the first
 * answer; a key used for another request is refused.
 */

/** Pay Now's answer, kept under the shopper's Idempotency-Key. */
export interface KeptAnswer {
  userId: string;
  key: string;
  response: CheckoutResponse;
}

/** The key a Pay Now claims: who sent it, the key, and the hash of the request it came with. */
export interface KeyClaim {
  userId: string;
  key: string;
  requestHash: string;
}

/** Refuses a missing (428) or malformed (400) Idempotency-Key. */
export function requireKey(idempotencyKey: string | null): string {
  if (!idempotencyKey)
    throw new AppError(
      428,
      'idempotency_key_required',
      'Send an Idempotency-Key header (a new UUID per attempt).',
    );
  if (!/^[\w-]{8,100}$/.test(idempotencyKey)) {
    throw new AppError(400, 'validation_failed', 'Idempotency-Key must be 8-100 letters, digits, _ or -.', {
      errors: { 'Idempotency-Key': ['must be 8-100 letters, digits, _ or -'] },
    });
  }
  return idempotencyKey;
}

export function requestHash(request: CheckoutRequest): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
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

/** The answer kept under the key, or the answer for its order's state; undefined when neither yet. */
export async function replayed(
  db: Db,
  userId: string,
  key: string,
  hash: string,
): Promise<CheckoutResponse | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.request_hash !== hash) {
    throw new AppError(
      409,
      'idempotency_conflict',
      'This Idempotency-Key was used for a different request; use a new key.',
    );
  }
  if (row.response_status !== null && row.response_body !== null)
    return { status: row.response_status, body: JSON.parse(row.response_body) };
  if (row.order_id) {
    const found = await findOrder(db, row.order_id);
    if (found) return responseForOrder(orderView(found.order, found.lines));
  }
  return undefined;
}

/** The answer of the request that holds the key (a 202 may mean it is still charging: wait a little). */
export async function waitForAnswer(
  db: Db,
  userId: string,
  key: string,
  hash: string,
): Promise<CheckoutResponse> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const answer = await replayed(db, userId, key, hash);
    if (answer && answer.status !== 202) return answer;
    if (answer && attempt > 20) return answer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new AppError(
    409,
    'request_in_progress',
    'A request with this Idempotency-Key is still being processed.',
  );
}

/** Keeps the final answer under the key (in the caller's transaction when given one). */
export async function keepAnswer(
  db: Db,
  userId: string,
  key: string,
  answer: CheckoutResponse,
): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ response_status: answer.status, response_body: JSON.stringify(answer.body) })
    .where('user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .execute();
}

/** Stores a refusal as the key's answer (or returns the answer a concurrent request stored). */
export async function storeAnswer(
  db: Db,
  userId: string,
  key: string,
  hash: string,
  response: CheckoutResponse,
): Promise<CheckoutResponse> {
  try {
    await db
      .insertInto('idempotency_keys')
      .values({
        user_id: userId,
        idempotency_key: key,
        request_hash: hash,
        order_id: null,
        response_status: response.status,
        response_body: JSON.stringify(response.body),
        created_at: new Date(),
      })
      .execute();
    return response;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return waitForAnswer(db, userId, key, hash);
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
    set response_status = ${kept?.response.status ?? null}::int,
        response_body = ${kept ? JSON.stringify(kept.response.body) : null}::text
    where user_id = ${kept?.userId ?? null}::varchar and idempotency_key = ${kept?.key ?? null}::varchar
      and exists (select 1 from ${sql.raw(when)})`;
}

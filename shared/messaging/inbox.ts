import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../adapters/sql/schema';
import { isUniqueViolation } from '../adapters/sql/transient-errors';
import { batcherFor } from '../platform/batcher';

/*
 * The inbox: each consumer handles a message id once. The portable path (`handleOnce`) writes
 * the inbox row and the consumer's work in one transaction; the PostgreSQL path (`claimOnce`)
 * writes both in one statement shared by concurrent deliveries.
 */

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
    if (isUniqueViolation(error)) return 'duplicate';
    throw error;
  }
}

/**
 * A consumer's PostgreSQL claim of one message: the inbox row and, in the same statement, the
 * consumer's writes for it. `fields` are that message's values for those writes.
 */
export interface InboxClaim {
  messageId: string;
  fields: Record<string, unknown>;
  /** Rows the writes touch; two claims that share one never go in one statement. */
  keys: readonly string[];
}

/**
 * How a consumer's claims are written on PostgreSQL. `fields` declares the claim fields' SQL
 * types ("order_id varchar, paid boolean"); `writes` are CTEs that write for the claimed
 * messages only, reading them from `mine` (one row per claimed message: message_id,
 * processed_at and the fields).
 */
export interface ClaimStatement {
  consumer: string;
  fields: string;
  writes: string;
}

// Concurrent deliveries share statements, as adds to cart do (see createBatcher).
const CLAIM_BATCH_SIZE = 32;

/**
 * PostgreSQL: claims the message for the consumer and makes its writes, in one statement
 * shared with other deliveries running at the same time. 'duplicate' when the message id was
 * already claimed (a concurrent duplicate waits for the first claim's commit, then finds it),
 * and then nothing is written.
 */
export function claimOnce(
  db: Db,
  statement: ClaimStatement,
  claim: InboxClaim,
): Promise<'handled' | 'duplicate'> {
  const claimer = batcherFor<InboxClaim, 'handled' | 'duplicate'>(
    db,
    `claims of ${statement.consumer}`,
    () => {
      const runBatch = async (claims: readonly InboxClaim[]) => {
        const now = new Date().toISOString();
        const { rows } = await claimsQuery(
          statement,
          JSON.stringify(
            claims.map((c, n) => ({ ...c.fields, n, message_id: c.messageId, processed_at: now })),
          ),
        ).execute(db);
        const outcomes = claims.map((): 'handled' | 'duplicate' => 'duplicate');
        for (const row of rows) if (row.claimed) outcomes[row.n] = 'handled';
        return outcomes;
      };
      return {
        maxBatch: CLAIM_BATCH_SIZE,
        keysOf: (c: InboxClaim) => [`message:${c.messageId}`, ...c.keys],
        runBatch,
      };
    },
  );
  return claimer(claim);
}

/**
 * `claims`: the claims as a JSON array (n numbers them). One text per consumer (the values are
 * parameters). The limit tells the planner how few they are (it guesses 100 rows for a JSON
 * recordset and would then scan whole tables instead of using their keys).
 */
export function claimsQuery(
  { consumer, fields, writes }: ClaimStatement,
  claims: string,
): RawBuilder<{ n: number; claimed: boolean }> {
  return sql<{ n: number; claimed: boolean }>`
  with req as (
    select * from jsonb_to_recordset(${claims}::jsonb)
      as r(n int, message_id varchar, processed_at timestamptz, ${sql.raw(fields)})
    limit ${sql.lit(CLAIM_BATCH_SIZE)}
  ), claimed as (
    insert into inbox (consumer, message_id, processed_at)
    select ${consumer}::varchar, message_id, processed_at from req
    on conflict do nothing
    returning message_id
  ), mine as (
    select r.* from req r where r.message_id in (select message_id from claimed)
  ), ${sql.raw(writes)}
  select r.n, r.message_id in (select message_id from claimed) as claimed from req r`;
}

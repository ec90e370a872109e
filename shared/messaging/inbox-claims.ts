import type { Db } from '../adapters/sql/schema';
import {
  findOrderForMessage,
  findOrderForMessageTogether,
  type OrderForMessage,
} from '../orders/orders.repository';
import { batcherFor } from '../platform/batcher';
import { claimOnce, handleOnce } from './inbox';

/**
 * A consumer's writes for one message, in both forms: `write` runs them in the inbox row's
 * transaction (portable); `statement` is the same writes as CTEs of PostgreSQL's claim
 * statement, reading the claimed messages from `mine` (see ClaimStatement in inbox.ts).
 */
export interface ConsumerWrites<F extends Record<string, unknown>> {
  consumer: string;
  write(trx: Db, fields: F): Promise<void>;
  statement: {
    /** The fields' SQL types, "order_id varchar, paid boolean". */
    fields: string;
    writes: string;
  };
}

/** One message to claim: its id, its values for the writes, and the rows they touch. */
export interface MessageClaim<F> {
  messageId: string;
  fields: F;
  /** Two claims that share a key never go in one statement. */
  keys: readonly string[];
}

/**
 * The inbox: each consumer handles a message id once, its writes committed with the claim.
 * Two implementations with the same behaviour (inbox-claims.contract.ts): `portableInboxClaims`
 * (a Kysely transaction per message; Azure SQL) and `postgresInboxClaims` (one statement
 * shared by concurrent deliveries). Services pick one when they are built (services.ts).
 */
export interface InboxClaims {
  readonly kind: 'portable' | 'postgres';
  /** 'duplicate' when the consumer has the message already; then nothing is written. */
  claim<F extends Record<string, unknown>>(
    writes: ConsumerWrites<F>,
    claim: MessageClaim<F>,
  ): Promise<'handled' | 'duplicate'>;
  /** The order with its lines, and whether `inbox.consumer` has handled `inbox.messageId`. */
  findOrderForMessage(
    orderId: string,
    inbox: { consumer: string; messageId: string },
  ): Promise<OrderForMessage | undefined>;
}

/**
 * The inbox row and the writes in one Kysely transaction (runs on Azure SQL and PostgreSQL).
 * Concurrent deliveries to one consumer share a transaction (see claimTogether).
 */
export function portableInboxClaims(db: Db): InboxClaims {
  return {
    kind: 'portable',
    claim: (writes, claim) => claimTogether(db, writes, claim),
    findOrderForMessage: (orderId, inbox) => findOrderForMessage(db, orderId, inbox),
  };
}

/** PostgreSQL (and PGlite): claims and reads of concurrent deliveries share statements. */
export function postgresInboxClaims(db: Db): InboxClaims {
  return {
    kind: 'postgres',
    claim: (writes, claim) => claimOnce(db, { consumer: writes.consumer, ...writes.statement }, claim),
    findOrderForMessage: (orderId, inbox) => findOrderForMessageTogether(db, orderId, inbox),
  };
}

// Claims of concurrent deliveries in one transaction, at most this many.
const PORTABLE_CLAIM_BATCH_SIZE = 32;

/**
 * A consumer's claims of concurrent deliveries in one transaction: their inbox rows in one
 * insert, then each message's writes, one commit (instead of a begin, an insert and a commit
 * for each message). A duplicate (its inbox row exists) or a failing write rolls the whole
 * transaction back, and each claim of it then runs alone in its own (`handleOnce`, batcher.ts),
 * so a duplicate still answers 'duplicate' and one message's failure stays its own. Claims of
 * one message id, or sharing a key, never go in one transaction.
 */
function claimTogether<F extends Record<string, unknown>>(
  db: Db,
  writes: ConsumerWrites<F>,
  claim: MessageClaim<F>,
): Promise<'handled' | 'duplicate'> {
  const claimer = batcherFor<MessageClaim<F>, 'handled' | 'duplicate'>(
    db,
    `portable claims of ${writes.consumer}`,
    () => ({
      maxBatch: PORTABLE_CLAIM_BATCH_SIZE,
      keysOf: (c) => [`message:${c.messageId}`, ...c.keys],
      runOne: (c) => handleOnce(db, writes.consumer, c.messageId, (trx) => writes.write(trx, c.fields)),
      async runBatch(claims) {
        const processedAt = new Date();
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('inbox')
            .values(
              claims.map((c) => ({
                consumer: writes.consumer,
                message_id: c.messageId,
                processed_at: processedAt,
              })),
            )
            .execute();
          for (const c of claims) await writes.write(trx, c.fields);
        });
        return claims.map((): 'handled' => 'handled');
      },
    }),
  );
  return claimer(claim);
}

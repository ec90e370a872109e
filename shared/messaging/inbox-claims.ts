import type { Db } from '../adapters/sql/schema';
import {
  findOrderForMessage,
  findOrderForMessageTogether,
  type OrderForMessage,
} from '../orders/orders.repository';
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

/** The inbox row and the writes in one Kysely transaction (runs on Azure SQL and PostgreSQL). */
export function portableInboxClaims(db: Db): InboxClaims {
  return {
    kind: 'portable',
    claim: (writes, claim) =>
      handleOnce(db, writes.consumer, claim.messageId, (trx) => writes.write(trx, claim.fields)),
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

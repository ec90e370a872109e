import type { ColumnType, Generated, Kysely } from 'kysely';

/** Timestamps are written as Date and read back as Date on every dialect we run. */
type Timestamp = ColumnType<Date, Date, Date>;

export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  created_at: Timestamp;
}

export interface InventoryTable {
  sku: string;
  product_id: string;
  on_hand: number;
  held: number;
  updated_at: Timestamp;
}

export interface LocalBusMessagesTable {
  seq: Generated<number>;
  message_id: string;
  topic: string;
  subscription: string;
  subject: string;
  correlation_id: string;
  body: string;
  enqueued_at: Timestamp;
  visible_at: Timestamp;
  delivery_count: number;
  lock_token: string | null;
  state: 'active' | 'dead';
  dead_letter_reason: string | null;
}

export interface Database {
  users: UsersTable;
  inventory: InventoryTable;
  local_bus_messages: LocalBusMessagesTable;
}

export type Db = Kysely<Database>;
export type SqlDialectName = 'postgres' | 'mssql';

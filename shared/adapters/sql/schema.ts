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
  version: Generated<number>;
}

export interface AddressesTable {
  id: string;
  user_id: string;
  name: string;
  line1: string;
  line2: string;
  city: string;
  postal_code: string;
  country: string;
  created_at: Timestamp;
}

export interface CartLinesTable {
  user_id: string;
  product_id: string;
  sku: string;
  name: string;
  unit_price_minor: number;
  currency: string;
  quantity: number;
  held_quantity: number;
  hold_expires_at: Timestamp;
  added_at: Timestamp;
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
  addresses: AddressesTable;
  cart_lines: CartLinesTable;
  local_bus_messages: LocalBusMessagesTable;
}

export type Db = Kysely<Database>;
export type SqlDialectName = 'postgres' | 'mssql';

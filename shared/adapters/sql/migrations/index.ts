import type { Migration } from 'kysely';
import type { SqlDialectName } from '../schema';
import { identityAndInventory } from './001-identity-and-inventory';
import { carts } from './002-carts';
import { orders } from './003-orders';
import { cacheInvalidations } from './004-cache-invalidations';
import { dropAddresses } from './005-drop-addresses';
import { salesWindows } from './007-sales-windows';
import { componentHeartbeats } from './008-component-heartbeats';
import { variants } from './009-variants';
import { catalogueChanges } from './010-catalogue-changes';

/** Every migration in order. Each is written to compile for PostgreSQL and Azure SQL. */
export function allMigrations(dialect: SqlDialectName): Record<string, Migration> {
  return {
    '001-identity-and-inventory': identityAndInventory(dialect),
    '002-carts': carts(dialect),
    '003-orders': orders(dialect),
    '004-cache-invalidations': cacheInvalidations(dialect),
    '005-drop-addresses': dropAddresses(dialect),
    '007-sales-windows': salesWindows(dialect),
    '008-component-heartbeats': componentHeartbeats(dialect),
    // 009, not 006 as first planned: 007 and 008 had landed, and an existing database that ran
    // them would refuse a migration ordered before them.
    '009-variants': variants(dialect),
    '010-catalogue-changes': catalogueChanges(dialect),
  };
}

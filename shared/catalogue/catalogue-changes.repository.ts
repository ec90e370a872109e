import { firstRows, isMssql } from '../adapters/sql/dialect';
import type { CatalogueChangesTable, Db } from '../adapters/sql/schema';

export type CatalogueChangeAction = CatalogueChangesTable['action'];

/** One line of the admins' audit trail. */
export interface CatalogueChange {
  id: number;
  changedAt: Date;
  changedBy: { userId: string; name: string };
  action: CatalogueChangeAction;
  productId: string;
  sku: string | null;
  summary: string;
}

export type NewCatalogueChange = Omit<CatalogueChange, 'id'>;

// The column is nvarchar(max)/text, but a summary is meant to be short: keep it readable.
const maxSummary = 1000;

export async function insertCatalogueChange(db: Db, change: NewCatalogueChange): Promise<void> {
  const summary =
    change.summary.length > maxSummary ? `${change.summary.slice(0, maxSummary - 1)}…` : change.summary;
  await db
    .insertInto('catalogue_changes')
    .values({
      changed_at: change.changedAt,
      changed_by_id: change.changedBy.userId,
      changed_by_name: change.changedBy.name,
      action: change.action,
      product_id: change.productId,
      sku: change.sku,
      summary,
    })
    .execute();
}

/**
 * Changes newest first (by id: an identity, so the order they were written), optionally of one
 * product; `beforeId` is the keyset position after the previous page's last row.
 */
export async function listCatalogueChanges(
  db: Db,
  options: { productId?: string; limit: number; beforeId?: number },
): Promise<CatalogueChange[]> {
  let query = db
    .selectFrom('catalogue_changes')
    .select([
      'id',
      'changed_at',
      'changed_by_id',
      'changed_by_name',
      'action',
      'product_id',
      'sku',
      'summary',
    ]);
  if (options.productId !== undefined) query = query.where('product_id', '=', options.productId);
  if (options.beforeId !== undefined) query = query.where('id', '<', options.beforeId);
  const rows = await firstRows(query.orderBy('id', 'desc'), options.limit, isMssql(db)).execute();
  return rows.map((row) => ({
    id: Number(row.id),
    changedAt: new Date(row.changed_at),
    changedBy: { userId: row.changed_by_id, name: row.changed_by_name },
    action: row.action,
    productId: row.product_id,
    sku: row.sku,
    summary: row.summary,
  }));
}

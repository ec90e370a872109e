import type { Db } from '../adapters/sql/schema';

/** A component's last successful run, as `component_heartbeats` keeps it. */
export interface ComponentHeartbeat {
  component: string;
  lastBeatAt: Date;
  detail: string | null;
}

/**
 * Records that `component` ran successfully at `at`. The portable form (update, else insert)
 * runs as it is on PostgreSQL, PGlite and Azure SQL; a timer beats at most every few seconds,
 * so the second statement is almost never needed.
 */
export async function recordHeartbeat(db: Db, component: string, at: Date, detail?: string): Promise<void> {
  const values = { last_beat_at: at, detail: detail?.slice(0, 200) ?? null };
  if (await touch(db, component, values)) return;
  try {
    await db
      .insertInto('component_heartbeats')
      .values({ component, ...values })
      .execute();
  } catch (error) {
    // Another instance inserted it between our update and insert: update theirs instead.
    if (!(await touch(db, component, values))) throw error;
  }
}

async function touch(
  db: Db,
  component: string,
  values: { last_beat_at: Date; detail: string | null },
): Promise<boolean> {
  const result = await db
    .updateTable('component_heartbeats')
    .set(values)
    .where('component', '=', component)
    // Never move a beat backwards (two instances finishing out of order).
    .where('last_beat_at', '<=', values.last_beat_at)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return true;
  // Nothing updated: either no row yet, or a newer beat is already there (which is as good).
  const existing = await db
    .selectFrom('component_heartbeats')
    .select('component')
    .where('component', '=', component)
    .executeTakeFirst();
  return existing !== undefined;
}

export async function listHeartbeats(db: Db): Promise<ComponentHeartbeat[]> {
  const rows = await db
    .selectFrom('component_heartbeats')
    .select(['component', 'last_beat_at', 'detail'])
    .orderBy('component')
    .execute();
  return rows.map((row) => ({
    component: row.component,
    lastBeatAt: new Date(row.last_beat_at),
    detail: row.detail,
  }));
}

import type { Db } from '../adapters/sql/schema';
import type { Principal } from './principal';

/** The user's row, created from token claims on first sign-in (a race inserts once). */
export async function ensureUser(db: Db, principal: Principal): Promise<{ id: string; createdAt: Date }> {
  const existing = await db
    .selectFrom('users')
    .select(['id', 'created_at'])
    .where('id', '=', principal.userId)
    .executeTakeFirst();
  if (existing) return { id: existing.id, createdAt: existing.created_at };
  const createdAt = new Date();
  try {
    await db
      .insertInto('users')
      .values({
        id: principal.userId,
        email: principal.email.slice(0, 200),
        display_name: principal.name.slice(0, 200),
        created_at: createdAt,
      })
      .execute();
    return { id: principal.userId, createdAt };
  } catch (error) {
    const again = await db
      .selectFrom('users')
      .select(['id', 'created_at'])
      .where('id', '=', principal.userId)
      .executeTakeFirst();
    if (again) return { id: again.id, createdAt: again.created_at };
    throw error;
  }
}

import { openRelationalStore } from '../shared/adapters/sql/database';
import { parseConfig } from '../shared/platform/config';
import { environmentWithLocalSettings } from '../shared/platform/local-host/local-settings';

/**
 * `npm run migrate`: brings the relational schema up to date. Locally the app does this at
 * every start; against Azure SQL only this does, run by the operator (a member of the SQL
 * admin group, signed in with `az login`), because the migration lock needs db_owner.
 */
async function main(): Promise<void> {
  const config = parseConfig(environmentWithLocalSettings());
  const store = await openRelationalStore(config.sql, { migrate: true });
  console.log(`Schema up to date in ${store.describe}.`);
  await store.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { createTestDatabase, postgresSkipReason } from '../../../test/support/postgres';
import { tempDir } from '../../../test/support/test-shop';
import { openRelationalStore } from './database';

relationalStoreContract('PGlite (embedded twin)', async () =>
  openRelationalStore({ kind: 'pglite', dataDir: await tempDir('pglite-contract-') }),
);

let dropDatabase: (() => Promise<void>) | undefined;
relationalStoreContract(
  'PostgreSQL (real server)',
  async () => {
    const database = await createTestDatabase();
    dropDatabase = database?.drop;
    const store = await openRelationalStore({ kind: 'postgres', url: database!.url, readUrl: '' });
    const close = store.close;
    store.close = async () => {
      await close();
      await dropDatabase?.();
    };
    return store;
  },
  process.env.TEST_DATABASE_URL ? undefined : postgresSkipReason,
);

import { relationalStoreContract } from './relational-store.contract';

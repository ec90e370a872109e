import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { migrate } from '../shared/adapters/sql/database';
import { PGliteDialect } from '../shared/adapters/sql/pglite-dialect';
import { pgliteTemplateFile } from '../shared/adapters/sql/pglite-template';

/**
 * `npm run pglite-template`: remakes shared/adapters/sql/pglite-template.tar.br, the migrated,
 * empty PGlite data folder a new local database starts from (see that module). Run it after
 * adding a migration or upgrading PGlite; pglite-template.test.ts says when it is needed.
 */
async function main(): Promise<void> {
  const started = performance.now();
  let tar: Buffer;
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'pglite-template-'));
  try {
    const migrating = await PGlite.create({ dataDir: folder });
    await migrate(new Kysely<unknown>({ dialect: new PGliteDialect(migrating) }), 'postgres');
    await migrating.close();
    // Opened once more after the migrations: PostgreSQL then writes the database's relation
    // cache file (pg_internal.init), which every first open would otherwise build (~0.15 s).
    const pglite = await PGlite.create({ dataDir: folder });
    await pglite.query('select count(*) from kysely_migration');
    tar = Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer());
    await pglite.close();
  } finally {
    await fs.rm(folder, { recursive: true, force: true });
  }
  // Brotli at its best (a minute, once): 1.4 MB against gzip's 4.7 MB for the 39 MB folder.
  const packed = zlib.brotliCompressSync(tar, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: tar.length,
    },
  });
  await fs.writeFile(pgliteTemplateFile, packed);
  console.log(
    `${pgliteTemplateFile}: ${packed.length} bytes (${tar.length} unpacked) in ${Math.round(performance.now() - started)} ms`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

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
  // The folder's three databases hold near-identical files. Side by side (same file name next
  // to each other) Brotli finds the repeats within a 1 MB window; the decoder's window is memory
  // the unpacking process keeps resident for good (glibc raises its mmap threshold to the window
  // size): a 16 MB window left the first start's malloc heap at 51 MB against 38 MB with 1 MB,
  // idle RSS ~330 -> ~300 MB (issue #19); 1.73 MB packed instead of 1.36 MB.
  const sorted = sortedTar(tar);
  const packed = zlib.brotliCompressSync(sorted, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 20,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: sorted.length,
    },
  });
  await fs.writeFile(pgliteTemplateFile, packed);
  console.log(
    `${pgliteTemplateFile}: ${packed.length} bytes (${tar.length} unpacked) in ${Math.round(performance.now() - started)} ms`,
  );
}

interface TarEntry {
  name: string;
  header: Buffer;
  body: Buffer;
}

/** The same ustar archive, folders first, then files ordered by file name, then folder. */
function sortedTar(tar: Buffer): Buffer {
  const folders: TarEntry[] = [];
  const files: TarEntry[] = [];
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = Number.parseInt(
      header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0',
      8,
    );
    const padded = Math.ceil(size / 512) * 512;
    const entry = { name, header, body: tar.subarray(offset + 512, offset + 512 + padded) };
    (header[156] === '5'.charCodeAt(0) ? folders : files).push(entry);
    offset += 512 + padded;
  }
  const key = (entry: TarEntry) => `${path.posix.basename(entry.name)}\0${entry.name}`;
  files.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return Buffer.concat([...[...folders, ...files].flatMap((e) => [e.header, e.body]), Buffer.alloc(1024)]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, describe, expect, it } from 'vitest';
import { allMigrations } from './migrations';
import { pgliteTemplateFile, unpackPgliteTemplate } from './pglite-template';

let folder: string | undefined;
afterEach(async () => {
  if (folder) await fs.rm(folder, { recursive: true, force: true });
  folder = undefined;
});

describe('the committed PGlite template (npm run pglite-template remakes it)', () => {
  it('holds exactly the migrations in migrations/, and opens with this PGlite', async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'pglite-template-'));
    expect(await unpackPgliteTemplate(folder, pgliteTemplateFile)).toBe(true);
    const pglite = await PGlite.create({ dataDir: folder });
    try {
      const applied = await pglite.query<{ name: string }>('select name from kysely_migration order by name');
      expect(
        applied.rows.map((row) => row.name),
        'stale template: run `npm run pglite-template` and commit shared/adapters/sql/pglite-template.tar.br',
      ).toEqual(Object.keys(allMigrations('postgres')).sort());
      // Empty: a new shop's data (catalogue, stock) is made at its first start, not shipped.
      const stock = await pglite.query<{ n: number }>('select count(*)::int as n from inventory');
      expect(stock.rows[0]?.n).toBe(0);
    } finally {
      await pglite.close();
    }
  });

  it('leaves a folder that already holds a database alone', async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'pglite-template-'));
    await fs.writeFile(path.join(folder, 'PG_VERSION'), '17\n');
    expect(await unpackPgliteTemplate(folder, pgliteTemplateFile)).toBe(false);
    expect(await fs.readdir(folder)).toEqual(['PG_VERSION']);
  });
});

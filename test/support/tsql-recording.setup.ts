import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { relationalStoreHooks } from '../../shared/adapters/sql/store-hooks';
import { recordAsAzureSql, recordedStatements, tsqlProblems } from './tsql-recorder';

// The `azure-sql-path` vitest project (vitest.config.mts): every store a test opens runs as Azure
// SQL (test/support/tsql-recorder.ts), and after each file every statement the app issued must be
// T-SQL. TSQL_RECORD_DIR, when set, keeps each file's statements there for reading.
relationalStoreHooks.wrap = recordAsAzureSql;

// biome-ignore lint/correctness/noEmptyPattern: vitest wants the fixtures destructured; only the suite is used
afterAll(({}, suite) => {
  const statements = recordedStatements();
  const dir = process.env.TSQL_RECORD_DIR;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    const name = path.relative(process.cwd(), suite.file.filepath).replace(/[/\\]/g, '_');
    fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(statements, null, 2));
  }
  // The recorder saw the app's queries at all (a file here that issues none is in the wrong project).
  expect(statements.length, 'statements recorded on the Azure SQL path').toBeGreaterThan(0);
  expect(
    tsqlProblems().map((s) => `${s.problem}\n  at ${s.origin}\n  ${s.sql}`),
    'statements of the Azure SQL path that are not T-SQL',
  ).toEqual([]);
});

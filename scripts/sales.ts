import os from 'node:os';
import path from 'node:path';
import { openRelationalStore } from '../shared/adapters/sql/database';
import { parseConfig } from '../shared/platform/config';
import { environmentWithLocalSettings } from '../shared/platform/local-host/local-settings';
import { runSalesCli } from '../shared/scaling/sales-cli';

// `npm run sales -- list|add|remove|validate|plan`; the logic (and its tests) live in shared/scaling.
// The windows are in the database the settings name (like `npm run seed`: with the local PGlite,
// stop `npm start` first, since PGlite is one process's); `--file-only` works on the file alone.
runSalesCli(process.argv.slice(2), {
  calendarPath: path.resolve(process.cwd(), 'bicep/sales-calendar.json'),
  now: new Date(),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  openStore: async () => {
    const config = parseConfig(environmentWithLocalSettings());
    const store = await openRelationalStore(config.sql);
    return { db: store.db, by: `cli:${os.userInfo().username}`, close: () => store.close() };
  },
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);

import path from 'node:path';
import { runSalesCli } from '../shared/scaling/sales-cli';

// `npm run sales -- list|add|validate|plan`; the logic (and its tests) live in shared/scaling.
runSalesCli(process.argv.slice(2), {
  calendarPath: path.resolve(process.cwd(), 'bicep/sales-calendar.json'),
  now: new Date(),
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);

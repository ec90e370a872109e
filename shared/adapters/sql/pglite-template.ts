import fsSync, { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * A PGlite data folder with every migration applied and no rows, as PGlite's `dumpDataDir`
 * writes it (a tar), Brotli-compressed (1.7 MB instead of 4.7 MB gzip). Committed, so a fresh
 * clone's first start (and every test's fresh database) unpacks it instead of running initdb and
 * the migrations: issue #19 measured 2-4 s quiet and 8-17 s loaded for those, against ~0.3 s to
 * unpack. Made by `npm run pglite-template`; pglite-template.test.ts fails when it no longer
 * holds exactly the migrations in migrations/. A stale or unusable template is only slower: the
 * migrator applies what it lacks, and a folder that will not open is made afresh.
 * Resolved from the working directory, the project root for npm scripts, tests and benches.
 */
export const pgliteTemplateFile = path.resolve('shared/adapters/sql/pglite-template.tar.br');

/**
 * Unpacks the template into `dataDir` when that folder holds no database yet (no PG_VERSION).
 * Returns whether it did. Streamed, file by file: holding the 41 MB tar at once left ~40 MB of
 * the process's malloc heap resident for good (measured: [heap] 2 -> 42 MB), a third of the
 * local host's idle memory budget (issue #19).
 */
export async function unpackPgliteTemplate(dataDir: string, template = pgliteTemplateFile): Promise<boolean> {
  const exists = await fs
    .access(path.join(dataDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (exists) return false;
  try {
    await fs.access(template);
  } catch {
    return false; // not beside the working directory (e.g. started from elsewhere): initdb
  }
  await extractTar(createReadStream(template).pipe(zlib.createBrotliDecompress()), dataDir);
  return true;
}

/**
 * Writes the entries of a ustar stream (files and folders only; what dumpDataDir writes). The
 * ~1,000 small files are written with synchronous calls: awaiting four promises per file cost
 * ~0.5 s of CPU, against a few milliseconds of disk (nothing else waits on this at start).
 */
async function extractTar(tar: AsyncIterable<Buffer>, into: string): Promise<void> {
  const root = path.resolve(into);
  let pending: Buffer = Buffer.alloc(0);
  let file: number | undefined; // descriptor of the file being written
  let bodyLeft = 0; // bytes of the current file still to write
  let skipLeft = 0; // padding to the next 512-byte block
  let ended = false;
  try {
    for await (const chunk of tar) {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      while (!ended) {
        if (bodyLeft > 0) {
          const part = pending.subarray(0, Math.min(bodyLeft, pending.length));
          fsSync.writeSync(file!, part);
          bodyLeft -= part.length;
          pending = pending.subarray(part.length);
          if (bodyLeft > 0) break; // the rest comes in the next chunk
        }
        if (file !== undefined && bodyLeft === 0) {
          fsSync.closeSync(file);
          file = undefined;
        }
        if (skipLeft > 0) {
          const skipped = Math.min(skipLeft, pending.length);
          skipLeft -= skipped;
          pending = pending.subarray(skipped);
          if (skipLeft > 0) break;
        }
        if (pending.length < 512) break;
        const header = pending.subarray(0, 512);
        pending = pending.subarray(512);
        if (header.every((byte) => byte === 0)) {
          ended = true; // end of archive
          break;
        }
        const field = (start: number, length: number) =>
          header
            .subarray(start, start + length)
            .toString('utf8')
            .replace(/\0.*$/s, '');
        const prefix = field(345, 155);
        const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
        const size = Number.parseInt(field(124, 12).trim() || '0', 8);
        const mode = Number.parseInt(field(100, 8).trim() || '600', 8) & 0o777;
        const type = String.fromCharCode(header[156] ?? 0);
        const target = path.resolve(root, `.${path.posix.normalize(`/${name}`)}`);
        if (!target.startsWith(root)) throw new Error(`PGlite template: entry outside the folder: ${name}`);
        if (type === '5') {
          fsSync.mkdirSync(target, { recursive: true, mode: 0o750 });
        } else if (type === '0' || type === '\0') {
          fsSync.mkdirSync(path.dirname(target), { recursive: true, mode: 0o750 });
          file = fsSync.openSync(target, 'w', mode || 0o600);
          bodyLeft = size;
          if (size === 0) {
            fsSync.closeSync(file);
            file = undefined;
          }
        } else {
          throw new Error(`PGlite template: unexpected tar entry type '${type}' (${name})`);
        }
        skipLeft = (512 - (size % 512)) % 512;
      }
    }
  } finally {
    if (file !== undefined) fsSync.closeSync(file);
  }
  if (!ended) throw new Error('PGlite template: the archive ends early');
}

import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/**
 * A PGlite data folder with every migration applied and no rows, as PGlite's `dumpDataDir`
 * writes it (a tar), Brotli-compressed (1.4 MB instead of 4.7 MB gzip). Committed, so a fresh
 * clone's first start (and every test's fresh database) unpacks it instead of running initdb and
 * the migrations: issue #19 measured 2-4 s quiet and 8-17 s loaded for those, against ~0.3 s to
 * unpack. Made by `npm run pglite-template`; pglite-template.test.ts fails when it no longer
 * holds exactly the migrations in migrations/. A stale or unusable template is only slower: the
 * migrator applies what it lacks, and a folder that will not open is made afresh.
 * Resolved from the working directory, the project root for npm scripts, tests and benches.
 */
export const pgliteTemplateFile = path.resolve('shared/adapters/sql/pglite-template.tar.br');

const brotliDecompress = promisify(zlib.brotliDecompress);

/**
 * Unpacks the template into `dataDir` when that folder holds no database yet (no PG_VERSION).
 * Returns whether it did. Decompression runs on libuv's thread pool, off the main thread.
 */
export async function unpackPgliteTemplate(dataDir: string, template = pgliteTemplateFile): Promise<boolean> {
  const exists = await fs
    .access(path.join(dataDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);
  if (exists) return false;
  let packed: Buffer;
  try {
    packed = await fs.readFile(template);
  } catch {
    return false; // not beside the working directory (e.g. started from elsewhere): initdb
  }
  await extractTar(await brotliDecompress(packed), dataDir);
  return true;
}

/** The entries of a ustar archive (files and folders only; what dumpDataDir writes). */
async function extractTar(tar: Buffer, into: string): Promise<void> {
  const root = path.resolve(into);
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break; // end of archive
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
    const body = offset + 512;
    if (type === '5') {
      await fs.mkdir(target, { recursive: true, mode: 0o750 });
    } else if (type === '0' || type === '\0') {
      await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o750 });
      await fs.writeFile(target, tar.subarray(body, body + size), { mode: mode || 0o600 });
    } else {
      throw new Error(`PGlite template: unexpected tar entry type '${type}' (${name})`);
    }
    offset = body + Math.ceil(size / 512) * 512;
  }
}

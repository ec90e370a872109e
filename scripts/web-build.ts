import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../shared/platform/logging';

const webRoot = path.resolve('web');
const distDir = path.join(webRoot, 'dist');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Vite's CLI file: `vite/bin/vite.js` itself is not in the package's exports. */
function viteCli(): string {
  return path.join(path.dirname(require.resolve('vite/package.json')), 'bin/vite.js');
}

/**
 * Builds the SPA when its sources are newer than the build; returns the folder to serve. The
 * build is a child process awaited without blocking: on a first start (a fresh clone has no
 * web/dist) it runs on the other core while PGlite creates its database.
 */
export async function ensureWebBuilt(logger: Logger): Promise<string | undefined> {
  if (!fs.existsSync(path.join(webRoot, 'index.html'))) return undefined;
  const built = path.join(distDir, 'index.html');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= newestMtime(webRoot)) return distDir;
  logger('info', 'building the storefront (web/) ...');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [viteCli(), 'build', webRoot, '--logLevel', 'warn'], {
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`building the storefront failed (vite exited with ${code})`)),
    );
  });
  return distDir;
}

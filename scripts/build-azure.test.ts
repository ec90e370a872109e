import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test/support/test-shop';
import { buildAzureBundle } from './build-azure';

describe('Azure bundle', () => {
  it('builds, loads in a plain Node process and registers the functions with @azure/functions', async () => {
    const outdir = await tempDir('bundle-');
    await buildAzureBundle(outdir);
    const main = path.join(outdir, 'main.mjs');
    expect(fs.existsSync(main)).toBe(true);
    // Outside the Functions runtime @azure/functions runs in test mode and warns per registration.
    const output = execFileSync(
      process.execPath,
      ['-e', `import(${JSON.stringify(main)}).then(() => console.log('LOADED'))`],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(output).toContain('LOADED');
    // No local twin is in the bundle: they are never used in Azure.
    const code = fs
      .readdirSync(outdir)
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => fs.readFileSync(path.join(outdir, f), 'utf8'))
      .join('\n');
    // The local Cosmos server is only ever loaded by import() of the external package (never run
    // in Azure): no code of it is inlined.
    const outsideImports = code.replace(/import\("@vercel\/cosmosdb-server[^"]*"\)/g, '');
    expect(outsideImports).not.toContain('cosmosdb-server');
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});

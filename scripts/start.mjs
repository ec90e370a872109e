// `npm start`: runs scripts/start.ts as one prebuilt CommonJS bundle of the project's own
// sources (packages stay in node_modules), rebuilt with esbuild only when a source changed.
// Why: under tsx every import of the ~150 project files and of every package goes through its
// loader hooks and a transform; a warm start spent seconds there before the shop did anything.
// The cache key is a hash of the contents of every file the last bundle was built from
// (esbuild's metafile), plus tsconfig.json, this file and the esbuild version.
// Plain JavaScript on purpose: nothing may need compiling before this runs.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'scripts/start.ts');
// STOREFRONT_START_CACHE: another folder (the start-up bench's first run starts without a bundle);
// it must be inside the project, for the bundle's require() to find node_modules.
const cacheDir = process.env.STOREFRONT_START_CACHE
  ? path.resolve(process.env.STOREFRONT_START_CACHE)
  : path.join(root, 'node_modules/.cache/storefront-start');
const manifestFile = path.join(cacheDir, 'manifest.json');
const require = createRequire(import.meta.url);

/** A hash of what the bundle is made of, or undefined when one of those files is gone. */
function keyOf(inputs) {
  const hash = createHash('sha256');
  const always = ['tsconfig.json', 'scripts/start.mjs', 'node_modules/esbuild/package.json'];
  for (const file of [...always, ...inputs]) {
    hash.update(file);
    hash.update('\0');
    try {
      hash.update(fs.readFileSync(path.join(root, file)));
    } catch {
      return undefined;
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function cachedBundle() {
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    const bundle = path.join(cacheDir, manifest.bundle);
    if (keyOf(manifest.inputs) === manifest.key && fs.existsSync(bundle)) return bundle;
  } catch {
    // no manifest yet, or a broken one: build
  }
  return undefined;
}

function say(message) {
  if (process.stdout.isTTY && process.env.LOG_FORMAT !== 'json') console.log(`  ${message}`);
  else console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', message }));
}

async function buildBundle() {
  const started = performance.now();
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: root,
    outfile: path.join(cacheDir, 'start.cjs'),
    write: false,
    bundle: true,
    packages: 'external', // node_modules loads as usual; only the project's own TypeScript is bundled
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    // import() of a package becomes require(), as under tsx: CommonJS packages keep the shape
    // the code was written against, and deep imports resolve as CommonJS paths.
    supported: { 'dynamic-import': false },
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  await esbuild.stop(); // its service process would otherwise live as long as the shop
  const inputs = Object.keys(result.metafile.inputs).sort();
  const key = keyOf(inputs);
  const name = `start-${key}.cjs`;
  fs.mkdirSync(cacheDir, { recursive: true });
  for (const output of result.outputFiles) {
    const isMap = output.path.endsWith('.map');
    const text = isMap
      ? output.text
      : output.text.replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${name}.map\n`);
    // Unique temporary names and a rename: two shops starting at once never read half a file.
    const temporary = path.join(cacheDir, `${name}${isMap ? '.map' : ''}.${process.pid}.tmp`);
    fs.writeFileSync(temporary, text);
    fs.renameSync(temporary, path.join(cacheDir, `${name}${isMap ? '.map' : ''}`));
  }
  const manifestTemporary = `${manifestFile}.${process.pid}.tmp`;
  fs.writeFileSync(manifestTemporary, JSON.stringify({ key, bundle: name, inputs }));
  fs.renameSync(manifestTemporary, manifestFile);
  for (const old of fs.readdirSync(cacheDir)) {
    if (old.startsWith('start-') && !old.startsWith(name))
      fs.rmSync(path.join(cacheDir, old), { force: true });
  }
  say(`compiled the local host (${inputs.length} files) in ${Math.round(performance.now() - started)} ms`);
  return path.join(cacheDir, name);
}

const bundle = cachedBundle() ?? (await buildBundle());
process.setSourceMapsEnabled(true); // stack traces point at the TypeScript sources
require(bundle);

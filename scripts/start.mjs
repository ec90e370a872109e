// `npm start`: runs scripts/start.ts as one prebuilt CommonJS bundle of the project's sources
// and the pure-JavaScript packages the local shop runs (Azure-only SDKs and packages that read
// their own files stay in node_modules), rebuilt with esbuild only when an input changed, and
// run from a V8 code cache made by the previous start (Node 20 has no module.enableCompileCache).
// Why (issue #19): a warm start spent ~2 s resolving, reading and compiling a few thousand files
// of JavaScript; one file with a code cache skips nearly all of that.
// The cache key is a hash of the contents of every file the last bundle was built from
// (esbuild's metafile), plus tsconfig.json, this file and the esbuild version.
// Plain JavaScript on purpose: nothing may need compiling before this runs.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

// PGlite's WebAssembly (9 MB of PostgreSQL): V8 runs it on its baseline compiler and re-compiles
// a function with TurboFan once it has run a budget's worth of code. Opening a database runs
// so much code once that the default budget sends much of PostgreSQL to TurboFan at every start
// (measured: open 1.15 s -> 0.47 s CPU, 186 -> 141 MB RSS). A 100x budget still optimises
// what queries keep running. Set before anything compiles WebAssembly (and before the code
// cache below, whose check includes V8's flags).
v8.setFlagsFromString('--wasm-tiering-budget=180000000');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'scripts/start.ts');
// STOREFRONT_START_CACHE: another folder (the start-up bench's first run starts without a bundle);
// it must be inside the project, for the bundle's require() to find node_modules.
const cacheDir = process.env.STOREFRONT_START_CACHE
  ? path.resolve(process.env.STOREFRONT_START_CACHE)
  : path.join(root, 'node_modules/.cache/storefront-start');
const manifestFile = path.join(cacheDir, 'manifest.json');

/** A hash of what the bundle is made of, or undefined when one of those files is gone. */
/**
 * Packages left to node_modules: those the local shop never loads (Azure-only SDKs, other
 * engines, build tools), and those that read their own files at run time (PGlite's WebAssembly
 * and data, Azurite). A subpath (`azurite/dist/...`) follows its package.
 */
const external = [
  '@electric-sql/pglite',
  'azurite',
  '@azure/functions-core',
  '@azure/identity',
  '@azure/arm-appservice',
  '@azure/arm-cosmosdb',
  '@azure/communication-email',
  '@azure/monitor-opentelemetry',
  '@azure/search-documents',
  '@azure/service-bus',
  '@azure/storage-blob',
  '@azure/web-pubsub',
  '@redis/entraid',
  'redis',
  'pg',
  'tedious',
  'tarn',
  'esbuild',
  'vite',
];

function keyOf(inputs) {
  const hash = createHash('sha256');
  const always = ['tsconfig.json', 'scripts/start.mjs', 'node_modules/esbuild/package.json'];
  // Bundled packages count as the installed tree: npm rewrites node_modules/.package-lock.json
  // at every install, and reading one file is cheaper than hashing ~1,500 (7 MB) at each start.
  const own = inputs.filter((file) => !file.startsWith('node_modules/'));
  const installed = own.length < inputs.length ? ['node_modules/.package-lock.json'] : [];
  for (const file of [...always, ...installed, ...own]) {
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
  // esbuild writes the bundle and its map itself, under names of this process, renamed below
  // once the key is known: two shops starting at once never read half a file, and the 12 MB of
  // output never passes through this process (it stayed in a first start's idle memory).
  const temporary = path.join(cacheDir, `build-${process.pid}.cjs`);
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: root,
      outfile: temporary,
      write: true,
      bundle: true,
      external,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      // import() of a package becomes require(), as under tsx: CommonJS packages keep the shape
      // the code was written against, and deep imports resolve as CommonJS paths.
      supported: { 'dynamic-import': false },
      // A map without a sourceMappingURL comment: mapStackTraces reads it beside the bundle.
      // Stack traces need the mappings only (the sources are on disk): 13 -> 4 MB of map, and
      // about a quarter less time building (a first start waits for it).
      sourcemap: 'external',
      sourcesContent: false,
      metafile: true,
      logLevel: 'warning',
    });
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    fs.rmSync(`${temporary}.map`, { force: true });
    throw error;
  } finally {
    await esbuild.stop(); // its service process would otherwise live as long as the shop
  }
  const inputs = Object.keys(result.metafile.inputs).sort();
  const key = keyOf(inputs);
  const name = `start-${key}.cjs`;
  fs.renameSync(`${temporary}.map`, path.join(cacheDir, `${name}.map`));
  fs.renameSync(temporary, path.join(cacheDir, name));
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

/**
 * Stack frames in the bundle point at the TypeScript sources. The source map is read on the
 * first stack that needs it, not at start (Node's own source-map support parses every map of
 * every loaded file as it loads: ~0.5 s of a warm start).
 */
function mapStackTraces(bundle) {
  let map;
  const mapped = (site) => {
    if (site.getFileName() !== bundle) return `${site}`;
    try {
      map ??= new SourceMap(JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')));
      const entry = map.findEntry(site.getLineNumber() - 1, site.getColumnNumber() - 1);
      if (!entry?.originalSource) return `${site}`;
      const file = path.relative(process.cwd(), path.resolve(path.dirname(bundle), entry.originalSource));
      const where = `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      const name = site.getFunctionName();
      return name ? `${site.isAsync() ? 'async ' : ''}${name} (${where})` : where;
    } catch {
      return `${site}`;
    }
  };
  Error.prepareStackTrace = (error, sites) => {
    let head;
    try {
      head = Error.prototype.toString.call(error);
    } catch {
      head = '<error>';
    }
    return [head, ...sites.map((site) => `    at ${mapped(site)}`)].join('\n');
  };
}

/**
 * Runs the bundle as CommonJS, compiled from the V8 code cache beside it when there is one.
 * Once the shop is ready (the bundle's `started` promise), a missing or rejected cache is
 * written: made after start-up ran, it holds the functions start-up compiled, not only the
 * top level. The cache is named after the bundle, so a rebuilt bundle never meets an old one.
 */
function runBundle(bundle) {
  const cacheFile = `${bundle}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // first start of this bundle
  }
  const source = fs.readFileSync(bundle, 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
  if (cachedData && !script.cachedDataRejected) return;
  Promise.resolve(module.exports.started).then(
    () => {
      try {
        const temporary = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, cacheFile);
      } catch {
        // a read-only cache folder: the next start compiles again
      }
    },
    () => {},
  );
}

// `--prepare` (npm's postinstall): build the bundle now, so that the first `npm start` after an
// install does not wait for it. Best effort: an install never fails for it (e.g. installed
// without devDependencies, so no esbuild); `npm start` then builds it as before.
if (process.argv.includes('--prepare')) {
  try {
    if (!cachedBundle()) await buildBundle();
  } catch (error) {
    say(
      `the local host will be compiled at its first start (${error instanceof Error ? error.message : error})`,
    );
  }
  process.exit(0);
}

const bundle = cachedBundle() ?? (await buildBundle());
mapStackTraces(bundle);
runBundle(bundle);

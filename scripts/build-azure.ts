import { build } from 'esbuild';

/**
 * Bundles the Azure entry (package.json#main) for a fast cold start: ESM with code splitting,
 * so adapters loaded through dynamic imports (Azure SQL, Redis, Service Bus, identity) are
 * separate chunks read only when first used. Local twins are left out: they never run in Azure.
 */
export async function buildAzureBundle(outdir = 'dist/azure'): Promise<void> {
  await build({
    entryPoints: { main: 'functions/index.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // Bundled CommonJS packages call require(); ESM has none unless we make one.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    sourcemap: 'linked',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    external: [
      '@azure/functions-core', // supplied by the Functions runtime
      '@electric-sql/pglite',
      '@vercel/cosmosdb-server',
      'azurite',
      'pg-native',
    ],
  });
}

if (require.main === module) {
  buildAzureBundle().then(
    () => console.log('Built dist/azure/main.mjs'),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}

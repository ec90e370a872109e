/**
 * npm run deploy:web — uploads the built storefront (web/dist) to a Storage static website
 * (container `$web`) with the right Content-Type and Cache-Control on every blob:
 * hashed files under assets/ are `public, max-age=31536000, immutable`, index.html is
 * `no-cache` (always revalidated, so a deploy is visible at once), other files one hour.
 *
 *   npm run deploy:web -- --account <storage account>      (DefaultAzureCredential; needs
 *                                                          Storage Blob Data Contributor)
 *   npm run deploy:web -- --connection-string "<conn>"     (or env WEB_STORAGE_CONNECTION_STRING,
 *                                                          then AzureWebJobsStorage)
 *   options: --dist <dir> (web/dist)  --prune  --configure-website  --dry-run
 *
 * Assets go up first and index.html last, so a visitor never gets an index that names a
 * chunk that is not there yet. `--prune` deletes blobs the build no longer has, except old
 * hashed assets (a tab still running the previous version may lazy-load them).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BlobServiceClient } from '@azure/storage-blob';

export const WEB_CONTAINER = '$web';
export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const NO_CACHE = 'no-cache';
export const SHORT_CACHE = 'public, max-age=3600';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return contentTypes[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Vite's output names: assets/<name>-<8+ char hash>.<ext>. */
export function isHashedAsset(blobName: string): boolean {
  return /^assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/i.test(blobName);
}

export function cacheControlFor(blobName: string): string {
  if (isHashedAsset(blobName)) return IMMUTABLE;
  if (blobName.endsWith('.html')) return NO_CACHE;
  return SHORT_CACHE;
}

export interface DeployWebOptions {
  /** The build to upload (default web/dist). */
  distDir?: string;
  /** A storage connection string (AzureWebJobsStorage style, or UseDevelopmentStorage=true). */
  connectionString?: string;
  /** A storage account name: https://<account>.blob.core.windows.net with DefaultAzureCredential. */
  account?: string;
  /** Or a ready client (tests). */
  client?: BlobServiceClient;
  container?: string;
  /** Delete blobs the build no longer has (old hashed assets are kept). */
  prune?: boolean;
  /** Also switch on the static website (index.html, SPA fallback as the 404 document). */
  configureWebsite?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  log?: (message: string) => void;
}

export interface UploadedBlob {
  name: string;
  contentType: string;
  cacheControl: string;
  bytes: number;
}

export interface DeployWebResult {
  container: string;
  uploaded: UploadedBlob[];
  deleted: string[];
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

async function serviceClient(options: DeployWebOptions): Promise<BlobServiceClient> {
  if (options.client) return options.client;
  const { BlobServiceClient } = await import('@azure/storage-blob');
  if (options.account) {
    if (!/^[a-z0-9]{3,24}$/.test(options.account)) {
      throw new Error(
        `"${options.account}" is not a storage account name (3-24 lowercase letters and digits).`,
      );
    }
    const { DefaultAzureCredential } = await import('@azure/identity');
    return new BlobServiceClient(
      `https://${options.account}.blob.core.windows.net`,
      new DefaultAzureCredential(),
    );
  }
  if (options.connectionString) return BlobServiceClient.fromConnectionString(options.connectionString);
  throw new Error(
    'No storage target: pass --account <name> (DefaultAzureCredential) or --connection-string, or set WEB_STORAGE_CONNECTION_STRING / AzureWebJobsStorage.',
  );
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  });
  await Promise.all(workers);
}

/** Uploads the build to `$web`; returns what went up (and what was pruned). */
export async function deployWeb(options: DeployWebOptions = {}): Promise<DeployWebResult> {
  const log = options.log ?? (() => {});
  const distDir = path.resolve(options.distDir ?? 'web/dist');
  if (!fs.existsSync(path.join(distDir, 'index.html'))) {
    throw new Error(`${distDir} has no index.html: run npm run build:web first.`);
  }
  const containerName = options.container ?? WEB_CONTAINER;
  const files = listFiles(distDir).sort();
  // index.html (and other html) last: assets must exist before anything references them
  const ordered = [...files.filter((f) => !f.endsWith('.html')), ...files.filter((f) => f.endsWith('.html'))];
  const plan: UploadedBlob[] = ordered.map((name) => ({
    name,
    contentType: contentTypeFor(name),
    cacheControl: cacheControlFor(name),
    bytes: fs.statSync(path.join(distDir, name)).size,
  }));
  if (options.dryRun) {
    for (const blob of plan) log(`would upload ${blob.name} (${blob.contentType}; ${blob.cacheControl})`);
    return { container: containerName, uploaded: plan, deleted: [] };
  }

  const service = await serviceClient(options);
  if (options.configureWebsite) {
    await service.setProperties({
      staticWebsite: { enabled: true, indexDocument: 'index.html', errorDocument404Path: 'index.html' },
    });
    log('static website enabled (index.html, SPA fallback via the 404 document)');
  }
  const container = service.getContainerClient(containerName);
  await container.createIfNotExists();

  const upload = async (blob: UploadedBlob) => {
    const body = fs.readFileSync(path.join(distDir, blob.name));
    await container.getBlockBlobClient(blob.name).uploadData(body, {
      blobHTTPHeaders: { blobContentType: blob.contentType, blobCacheControl: blob.cacheControl },
    });
    log(`uploaded ${blob.name} (${blob.bytes} B; ${blob.cacheControl})`);
  };
  const first = plan.filter((b) => !b.name.endsWith('.html'));
  const last = plan.filter((b) => b.name.endsWith('.html'));
  await inBatches(first, options.concurrency ?? 8, upload);
  await inBatches(last, options.concurrency ?? 8, upload);

  const deleted: string[] = [];
  if (options.prune) {
    const keep = new Set(files);
    for await (const item of container.listBlobsFlat()) {
      if (keep.has(item.name) || isHashedAsset(item.name)) continue;
      await container.deleteBlob(item.name);
      deleted.push(item.name);
      log(`deleted ${item.name}`);
    }
  }
  return { container: containerName, uploaded: plan, deleted };
}

export function parseDeployArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DeployWebOptions {
  const options: DeployWebOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value.`);
      return v;
    };
    if (arg === '--account') options.account = value();
    else if (arg === '--connection-string') options.connectionString = value();
    else if (arg === '--dist') options.distDir = value();
    else if (arg === '--container') options.container = value();
    else if (arg === '--prune') options.prune = true;
    else if (arg === '--configure-website') options.configureWebsite = true;
    else if (arg === '--dry-run') options.dryRun = true;
    else throw new Error(`Unknown option ${arg}.`);
  }
  if (!options.account && !options.connectionString) {
    options.connectionString = env.WEB_STORAGE_CONNECTION_STRING || env.AzureWebJobsStorage || undefined;
  }
  return options;
}

async function main(): Promise<void> {
  const options = parseDeployArgs(process.argv.slice(2));
  const result = await deployWeb({ ...options, log: (m) => console.log(m) });
  const bytes = result.uploaded.reduce((sum, b) => sum + b.bytes, 0);
  console.log(
    `${options.dryRun ? 'planned' : 'deployed'} ${result.uploaded.length} files (${(bytes / 1024).toFixed(1)} KiB) to ${result.container}` +
      (result.deleted.length ? `; pruned ${result.deleted.length}` : ''),
  );
}

if (/deploy-web\.[cm]?[tj]s$/.test(process.argv[1] ?? '')) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

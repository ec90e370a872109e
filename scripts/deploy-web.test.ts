import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAzurite } from '../shared/adapters/storage/local-azurite';
import {
  cacheControlFor,
  contentTypeFor,
  deployWeb,
  IMMUTABLE,
  isHashedAsset,
  NO_CACHE,
  parseDeployArgs,
  SHORT_CACHE,
} from './deploy-web';

// Azurite's well-known development account
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function writeBuild(dir: string, files: Record<string, string>): void {
  for (const [name, body] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), body);
  }
}

describe('cache and content-type rules', () => {
  it('marks only hashed files under assets/ immutable', () => {
    expect(isHashedAsset('assets/index-DQkeKq4Y.js')).toBe(true);
    expect(isHashedAsset('assets/index-izIoWe8Q.css')).toBe(true);
    expect(isHashedAsset('assets/logo.svg')).toBe(false);
    expect(isHashedAsset('index-DQkeKq4Y.js')).toBe(false);
    expect(cacheControlFor('index.html')).toBe(NO_CACHE);
    expect(cacheControlFor('assets/product-DA8_sZ0e.js')).toBe(IMMUTABLE);
    expect(cacheControlFor('favicon.svg')).toBe(SHORT_CACHE);
  });

  it('maps extensions to content types', () => {
    expect(contentTypeFor('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('assets/a-12345678.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('assets/a-12345678.css')).toBe('text/css; charset=utf-8');
    expect(contentTypeFor('favicon.svg')).toBe('image/svg+xml');
    expect(contentTypeFor('font.WOFF2')).toBe('font/woff2');
    expect(contentTypeFor('blob.bin')).toBe('application/octet-stream');
  });

  it('parses the CLI: account, connection string from env, and rejects unknown options', () => {
    expect(parseDeployArgs(['--account', 'stshopweb', '--prune'], {})).toEqual({
      account: 'stshopweb',
      prune: true,
    });
    expect(parseDeployArgs([], { AzureWebJobsStorage: 'UseDevelopmentStorage=true' })).toEqual({
      connectionString: 'UseDevelopmentStorage=true',
    });
    expect(
      parseDeployArgs([], { WEB_STORAGE_CONNECTION_STRING: 'a', AzureWebJobsStorage: 'b' }).connectionString,
    ).toBe('a');
    expect(() => parseDeployArgs(['--bogus'], {})).toThrow(/Unknown option/);
    expect(() => parseDeployArgs(['--account'], {})).toThrow(/needs a value/);
  });

  it('refuses to deploy without a build or without a target', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'web-empty-'));
    await expect(deployWeb({ distDir: empty, connectionString: 'x' })).rejects.toThrow(/no index.html/);
    writeBuild(empty, { 'index.html': '<!doctype html>' });
    await expect(deployWeb({ distDir: empty })).rejects.toThrow(/No storage target/);
    await expect(deployWeb({ distDir: empty, account: 'Not_An_Account' })).rejects.toThrow(
      /storage account name/,
    );
    fs.rmSync(empty, { recursive: true, force: true });
  });
});

describe('deployWeb against Azurite', () => {
  let azurite: { close(): Promise<void> };
  let connectionString: string;
  let dist: string;

  beforeAll(async () => {
    const port = await freePort();
    azurite = await startLocalAzurite({ blobPort: port });
    connectionString = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
    dist = fs.mkdtempSync(path.join(os.tmpdir(), 'web-dist-'));
    writeBuild(dist, {
      'index.html': '<!doctype html><script type="module" src="/assets/index-AbCd1234.js"></script>',
      'assets/index-AbCd1234.js': 'console.log("v1")',
      'assets/index-Zz9_-x8Q.css': 'body{margin:0}',
      'assets/product-Qq11Ww22.js': 'export default 1',
      'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
      'robots.txt': 'User-agent: *',
    });
  });

  afterAll(async () => {
    await azurite?.close();
    if (dist) fs.rmSync(dist, { recursive: true, force: true });
  });

  it('uploads every file to $web with its content type and cache-control', async () => {
    const result = await deployWeb({ distDir: dist, connectionString });
    expect(result.container).toBe('$web');
    expect(result.uploaded.map((b) => b.name).at(-1)).toBe('index.html');

    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('$web');
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    expect(names.sort()).toEqual(
      [
        'assets/index-AbCd1234.js',
        'assets/index-Zz9_-x8Q.css',
        'assets/product-Qq11Ww22.js',
        'favicon.svg',
        'index.html',
        'robots.txt',
      ].sort(),
    );

    const props = async (name: string) => container.getBlockBlobClient(name).getProperties();
    const index = await props('index.html');
    expect(index.contentType).toBe('text/html; charset=utf-8');
    expect(index.cacheControl).toBe('no-cache');
    const js = await props('assets/index-AbCd1234.js');
    expect(js.contentType).toBe('text/javascript; charset=utf-8');
    expect(js.cacheControl).toBe('public, max-age=31536000, immutable');
    const css = await props('assets/index-Zz9_-x8Q.css');
    expect(css.contentType).toBe('text/css; charset=utf-8');
    expect(css.cacheControl).toBe('public, max-age=31536000, immutable');
    const svg = await props('favicon.svg');
    expect(svg.contentType).toBe('image/svg+xml');
    expect(svg.cacheControl).toBe('public, max-age=3600');

    const body = await container.getBlockBlobClient('assets/index-AbCd1234.js').downloadToBuffer();
    expect(body.toString()).toBe('console.log("v1")');
  });

  it('a redeploy replaces index.html; --prune drops stale files but keeps old hashed assets', async () => {
    const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient('$web');
    // the next build: new hashes, robots.txt gone
    fs.rmSync(path.join(dist, 'assets/index-AbCd1234.js'));
    fs.rmSync(path.join(dist, 'robots.txt'));
    writeBuild(dist, {
      'assets/index-NeW98765.js': 'console.log("v2")',
      'index.html': '<!doctype html><script type="module" src="/assets/index-NeW98765.js"></script>',
    });
    const result = await deployWeb({ distDir: dist, connectionString, prune: true });
    expect(result.deleted).toEqual(['robots.txt']);
    const index = await container.getBlockBlobClient('index.html').downloadToBuffer();
    expect(index.toString()).toContain('index-NeW98765.js');
    expect(await container.getBlockBlobClient('assets/index-AbCd1234.js').exists()).toBe(true);
    expect(await container.getBlockBlobClient('robots.txt').exists()).toBe(false);
    const fresh = await container.getBlockBlobClient('assets/index-NeW98765.js').getProperties();
    expect(fresh.cacheControl).toBe(IMMUTABLE);
  });

  it('a dry run plans without touching storage', async () => {
    const result = await deployWeb({ distDir: dist, dryRun: true });
    expect(result.uploaded.find((b) => b.name === 'index.html')?.cacheControl).toBe(NO_CACHE);
    expect(result.deleted).toEqual([]);
  });
});

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EmailMessage } from '../../notifications/email-sender.port';
import {
  encodeQuotedPrintable,
  listOutbox,
  OutboxFolderEmailSender,
  outboxFileId,
  readOutboxFile,
} from './outbox-folder-email-sender';

// A small, independent RFC 5322 / MIME reader (not the adapter's own code) to check what was written.
interface ParsedPart {
  headers: Map<string, string>;
  body: string;
}
function splitHeaders(raw: string): ParsedPart {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, end).replace(/\r\n[ \t]/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(end + 4) };
}
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_m, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
}
function decodeQp(body: string): string {
  const bytes: number[] = [];
  const soft = body.replace(/=\r\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=') {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(soft.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}
function parseEml(eml: string) {
  const top = splitHeaders(eml);
  const boundary = /boundary="([^"]+)"/.exec(top.headers.get('content-type') ?? '')?.[1];
  if (!boundary) throw new Error('no boundary');
  const sections = top.body.split(`--${boundary}`);
  expect(sections.at(-1)).toBe('--\r\n'); // closing delimiter
  const parts = sections.slice(1, -1).map((section) => {
    const part = splitHeaders(section.replace(/^\r\n/, ''));
    expect(part.headers.get('content-transfer-encoding')).toBe('quoted-printable');
    return { type: part.headers.get('content-type') ?? '', body: decodeQp(part.body.replace(/\r\n$/, '')) };
  });
  return { headers: top.headers, parts };
}

const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  id: 'receipt-ord_1',
  to: 'zoe@example.test',
  subject: 'Your receipt — Zoë <Ünïcode>',
  text: 'Hi Zoë <Ünïcode>,\nTotal: €19.99\n',
  html: '<p>Hi Zoë &lt;Ünïcode&gt;,</p>\n<p>Total: €19.99</p>\n',
  ...overrides,
});

describe('OutboxFolderEmailSender', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'outbox-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('writes an RFC 5322 .eml that parses back: headers, both parts, UTF-8', async () => {
    const sender = new OutboxFolderEmailSender({
      folder: path.join(folder, 'nested', 'outbox'), // created on first send
      from: 'Bäckerei Storefront <shop@storefront.test>',
      now: () => new Date('2026-02-03T09:05:07Z'),
    });
    expect(sender.kind).toBe('outbox-folder');
    await sender.send(message());
    const eml = await readOutboxFile(path.join(folder, 'nested', 'outbox'), 'receipt-ord_1.eml');
    expect(eml).toBeDefined();
    // Pure ASCII on the wire, CRLF only, no line over 78 characters.
    expect([...eml!].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    expect(eml!.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of eml!.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);

    const parsed = parseEml(eml!);
    expect(decodeWords(parsed.headers.get('from')!)).toBe('Bäckerei Storefront <shop@storefront.test>');
    expect(parsed.headers.get('to')).toBe('zoe@example.test');
    expect(parsed.headers.get('subject')).toMatch(/^=\?UTF-8\?B\?/);
    expect(decodeWords(parsed.headers.get('subject')!)).toBe('Your receipt — Zoë <Ünïcode>');
    expect(parsed.headers.get('date')).toBe('Tue, 03 Feb 2026 09:05:07 +0000');
    expect(new Date(parsed.headers.get('date')!).toISOString()).toBe('2026-02-03T09:05:07.000Z');
    expect(parsed.headers.get('message-id')).toBe('<receipt-ord_1@storefront.test>');
    expect(parsed.headers.get('mime-version')).toBe('1.0');
    expect(parsed.headers.get('content-type')).toMatch(/^multipart\/alternative; boundary="/);

    expect(parsed.parts.map((p) => p.type)).toEqual([
      'text/plain; charset=UTF-8',
      'text/html; charset=UTF-8',
    ]);
    expect(parsed.parts[0]!.body).toBe('Hi Zoë <Ünïcode>,\r\nTotal: €19.99\r\n');
    expect(parsed.parts[1]!.body).toBe('<p>Hi Zoë &lt;Ünïcode&gt;,</p>\r\n<p>Total: €19.99</p>\r\n');
  });

  it('long and awkward bodies round-trip through quoted-printable', async () => {
    const text = `${'a'.repeat(74)}= trailing space \n${'ü'.repeat(60)}\n\ttab\t\nFrom the start.\n=3D literal`;
    const encoded = encodeQuotedPrintable(text);
    for (const line of encoded.split('\r\n')) {
      expect(line.length).toBeLessThanOrEqual(76);
      expect(line).not.toMatch(/[ \t]$/);
    }
    expect(decodeQp(encoded)).toBe(text.replace(/\n/g, '\r\n'));
  });

  it('ASCII subjects stay readable; a long one is folded', async () => {
    const sender = new OutboxFolderEmailSender({ folder, from: 'shop@storefront.test' });
    const subject = `Your order ${'x'.repeat(20)} has shipped and is on its way to you via a carrier with a long name`;
    await sender.send(message({ id: 'shipped-1', subject }));
    const parsed = parseEml((await readOutboxFile(folder, 'shipped-1.eml'))!);
    expect(parsed.headers.get('subject')).toBe(subject);
    expect(parsed.headers.get('from')).toBe('shop@storefront.test');
  });

  it('the same id twice leaves exactly one file (and no temp files)', async () => {
    let clock = Date.parse('2026-02-03T09:00:00Z');
    const sender = new OutboxFolderEmailSender({
      folder,
      from: 'shop@storefront.test',
      now: () => {
        clock += 60_000;
        return new Date(clock);
      },
    });
    await sender.send(message());
    const first = await readOutboxFile(folder, 'receipt-ord_1.eml');
    await sender.send(message({ subject: 'a redelivery' }));
    await Promise.all([sender.send(message()), sender.send(message())]);
    expect(await readdir(folder)).toEqual(['receipt-ord_1.eml']);
    expect(await readOutboxFile(folder, 'receipt-ord_1.eml')).toBe(first);

    // Concurrent first sends of one id (two consumers racing) also end as one whole file.
    await Promise.all(Array.from({ length: 5 }, () => sender.send(message({ id: 'receipt-race' }))));
    expect((await readdir(folder)).sort()).toEqual(['receipt-ord_1.eml', 'receipt-race.eml']);
    expect(parseEml((await readOutboxFile(folder, 'receipt-race.eml'))!).parts).toHaveLength(2);
  });

  it('makes its folder, and makes it again when it is removed while running (the send after the failure works)', async () => {
    const outbox = path.join(folder, 'mail', 'outbox');
    const sender = new OutboxFolderEmailSender({ folder: outbox, from: 'shop@storefront.test' });
    await sender.send(message({ id: 'receipt-a' }));
    await rm(path.join(folder, 'mail'), { recursive: true });
    await expect(sender.send(message({ id: 'receipt-b' }))).rejects.toMatchObject({ code: 'ENOENT' });
    await sender.send(message({ id: 'receipt-b' })); // the consumer's redelivery
    expect(await readdir(outbox)).toEqual(['receipt-b.eml']);
  });

  it('ids are sanitised to [A-Za-z0-9_-], without letting two ids share a file', async () => {
    expect(outboxFileId('receipt-ord_1')).toBe('receipt-ord_1');
    const dotted = outboxFileId('receipt-a.b');
    const underscored = outboxFileId('receipt-a_b');
    expect(dotted).toMatch(/^receipt-a_b-[0-9a-f]{10}$/);
    expect(underscored).toBe('receipt-a_b');
    expect(outboxFileId('../../etc/passwd')).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(outboxFileId('x'.repeat(500)).length).toBeLessThanOrEqual(131);
    expect(() => outboxFileId('')).toThrow(/id is required/);

    const sender = new OutboxFolderEmailSender({ folder, from: 'shop@storefront.test' });
    await sender.send(message({ id: '../../escape/attempt' }));
    const files = await readdir(folder);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^______escape_attempt-[0-9a-f]{10}\.eml$/);
  });

  it('refuses header injection and non-addresses', async () => {
    const sender = new OutboxFolderEmailSender({ folder, from: 'shop@storefront.test' });
    await expect(sender.send(message({ to: 'a@b.test\r\nBcc: evil@x.test' }))).rejects.toThrow(/line breaks/);
    await expect(sender.send(message({ to: 'not an address' }))).rejects.toThrow(/not an email address/);
    await sender.send(message({ id: 'subject-crlf', subject: 'Hello\r\nBcc: evil@x.test' }));
    const parsed = parseEml((await readOutboxFile(folder, 'subject-crlf.eml'))!);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.get('subject')).toBe('Hello Bcc: evil@x.test');
    expect(() => new OutboxFolderEmailSender({ folder, from: 'nobody' })).toThrow(/not an email address/);
  });

  it('listOutbox: newest first, fields parsed from the headers; ignores other files', async () => {
    let clock = Date.parse('2026-02-03T09:00:00Z');
    const sender = new OutboxFolderEmailSender({
      folder,
      from: 'shop@storefront.test',
      now: () => {
        clock += 60_000;
        return new Date(clock);
      },
    });
    await sender.send(message({ id: 'receipt-1', subject: 'First' }));
    await sender.send(message({ id: 'receipt-2', to: 'bob@example.test', subject: 'Zweite Bestätigung' }));
    await sender.send(message({ id: 'shipped-1', subject: 'Third' }));
    await writeFile(path.join(folder, 'notes.txt'), 'not an email');
    await writeFile(path.join(folder, '.receipt-9.abc.tmp'), 'half written');

    const list = await listOutbox(folder);
    expect(list.map((e) => e.name)).toEqual(['shipped-1.eml', 'receipt-2.eml', 'receipt-1.eml']);
    const second = list[1]!;
    expect(second).toEqual({
      name: 'receipt-2.eml',
      to: 'bob@example.test',
      subject: 'Zweite Bestätigung',
      date: '2026-02-03T09:02:00.000Z',
      size: Buffer.byteLength((await readOutboxFile(folder, 'receipt-2.eml'))!),
    });
    expect(second.size).toBeGreaterThan(300);
  });

  it('listOutbox of a folder that does not exist yet is empty', async () => {
    expect(await listOutbox(path.join(folder, 'missing'))).toEqual([]);
  });

  it('readOutboxFile rejects path traversal and odd names; missing files are undefined', async () => {
    await writeFile(path.join(folder, 'x.eml'), 'outside the outbox');
    const outbox = path.join(folder, 'outbox');
    const sender = new OutboxFolderEmailSender({ folder: outbox, from: 'shop@storefront.test' });
    await sender.send(message());
    expect(await readOutboxFile(outbox, '../x.eml')).toBeUndefined();
    expect(await readOutboxFile(outbox, '..%2Fx.eml')).toBeUndefined();
    expect(await readOutboxFile(outbox, `${folder}/x.eml`)).toBeUndefined();
    expect(await readOutboxFile(outbox, 'receipt-ord_1.eml/')).toBeUndefined();
    expect(await readOutboxFile(outbox, 'receipt-ord_1.txt')).toBeUndefined();
    expect(await readOutboxFile(outbox, '.eml')).toBeUndefined();
    expect(await readOutboxFile(outbox, 'nope.eml')).toBeUndefined();
    expect(await readOutboxFile(outbox, 'receipt-ord_1.eml')).toContain('MIME-Version: 1.0');
  });
});

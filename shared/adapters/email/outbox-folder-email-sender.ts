import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EmailMessage, EmailSender } from '../../notifications/email-sender.port';

export interface OutboxFolderEmailSenderOptions {
  /** Folder the `.eml` files go into (created when missing). */
  folder: string;
  /** Sender: `shop@example.test` or `Storefront <shop@example.test>` (the name may be non-ASCII). */
  from: string;
  /** Clock for the Date header (tests). */
  now?: () => Date;
}

export interface OutboxEntry {
  /** File name, `<id>.eml`; pass it to `readOutboxFile`. */
  name: string;
  to: string;
  /** Decoded (RFC 2047) subject. */
  subject: string;
  /** ISO 8601, from the Date header (the file's mtime when the header is missing or unreadable). */
  date: string;
  /** File size in bytes. */
  size: number;
}

/** The only file names the outbox writes, lists and reads: no separators, no dots but the extension. */
const OUTBOX_FILE = /^[A-Za-z0-9_-]+\.eml$/;
const MAX_ID_LENGTH = 120;

/**
 * The local twin of ACS Email: each message becomes an RFC 5322 `.eml` file named after its id.
 * The file is written to a temp name and renamed into place, and an id already in the outbox is not
 * written again, so a redelivered "send receipt" leaves exactly one email.
 */
export class OutboxFolderEmailSender implements EmailSender {
  readonly kind = 'outbox-folder';
  private readonly folder: string;
  private readonly from: string;
  private readonly now: () => Date;
  // Made on the first send; a folder removed while running is made again after the ENOENT.
  private folderMade?: Promise<unknown>;

  constructor(options: OutboxFolderEmailSenderOptions) {
    if (!options.folder) throw new Error('OutboxFolderEmailSender: folder is required.');
    this.folder = options.folder;
    this.from = formatAddressHeader(requireHeaderSafe(options.from, 'from'));
    this.now = options.now ?? (() => new Date());
  }

  async send(message: EmailMessage): Promise<void> {
    const fileId = outboxFileId(message.id);
    const name = `${fileId}.eml`;
    const target = path.join(this.folder, name);
    this.folderMade ??= mkdir(this.folder, { recursive: true }).catch((error: unknown) => {
      this.folderMade = undefined;
      throw error;
    });
    await this.folderMade;
    if (await exists(target)) return; // already "sent"
    const eml = buildEml(message, { from: this.from, date: this.now(), messageId: fileId });
    // Same folder, so the rename is atomic: readers see no file or the whole file, never a partial one.
    const temp = path.join(this.folder, `.${fileId}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temp, eml, 'utf8');
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => {});
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.folderMade = undefined;
      throw error;
    }
  }

  async close(): Promise<void> {}
}

/**
 * Message id -> file name stem, [A-Za-z0-9_-] only. When anything had to be replaced (or cut), a short
 * hash of the original id is appended so that two different ids cannot share a file.
 */
export function outboxFileId(id: string): string {
  if (!id) throw new Error('EmailMessage.id is required (e.g. "receipt-<orderId>").');
  const sanitized = id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, MAX_ID_LENGTH);
  if (sanitized === id) return id;
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 10);
  return `${sanitized}-${hash}`;
}

/** The outbox, newest first (Date header, then file mtime). A missing folder is an empty outbox. */
export async function listOutbox(folder: string): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  const entries = await Promise.all(
    names
      .filter((name) => OUTBOX_FILE.test(name))
      .map(async (name) => {
        const file = path.join(folder, name);
        try {
          const [info, content] = await Promise.all([stat(file), readFile(file, 'utf8')]);
          const headers = parseHeaders(content);
          const headerDate = headers.get('date') ? new Date(headers.get('date') as string) : undefined;
          const date = headerDate && !Number.isNaN(headerDate.getTime()) ? headerDate : info.mtime;
          return {
            entry: {
              name,
              to: decodeHeaderValue(headers.get('to') ?? ''),
              subject: decodeHeaderValue(headers.get('subject') ?? ''),
              date: date.toISOString(),
              size: info.size,
            },
            sort: [date.getTime(), info.mtimeMs] as const,
          };
        } catch (error) {
          if (isNotFound(error)) return undefined; // removed while listing
          throw error;
        }
      }),
  );
  return entries
    .filter((e) => e !== undefined)
    .sort(
      (a, b) => b.sort[0] - a.sort[0] || b.sort[1] - a.sort[1] || a.entry.name.localeCompare(b.entry.name),
    )
    .map((e) => e.entry);
}

/**
 * The raw `.eml` text of one outbox file. Names other than `<[A-Za-z0-9_-]+>.eml` (so anything with a
 * path separator or `..`) are never touched and answer `undefined`, like a file that does not exist.
 */
export async function readOutboxFile(folder: string, name: string): Promise<string | undefined> {
  if (!OUTBOX_FILE.test(name)) return undefined;
  try {
    return await readFile(path.join(folder, name), 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// RFC 5322 / MIME writing

/** The whole `.eml` text (ASCII only, CRLF line ends). Exported for tests. */
export function buildEml(
  message: EmailMessage,
  options: { from: string; date: Date; messageId: string },
): string {
  const to = requireHeaderSafe(message.to, 'to');
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(to)) throw new Error(`EmailMessage.to is not an email address: "${to}"`);
  const domain = /@([A-Za-z0-9.-]+)>?$/.exec(options.from)?.[1] ?? 'storefront.local';
  const boundary = `=_storefront_${randomBytes(12).toString('hex')}`;
  const lines = [
    header('From', options.from),
    header('To', to),
    header('Subject', encodeHeaderValue(message.subject.replace(/[\r\n]+/g, ' '), 'Subject'.length + 2)),
    header('Date', formatRfc5322Date(options.date)),
    header('Message-ID', `<${options.messageId}@${domain}>`),
    header('X-Storefront-Message-Id', options.messageId),
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format.',
    `--${boundary}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    encodeQuotedPrintable(message.text),
    `--${boundary}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    encodeQuotedPrintable(message.html),
    `--${boundary}--`,
    '',
  ];
  return lines.join('\r\n');
}

function header(name: string, value: string): string {
  return `${name}: ${value}`;
}

function requireHeaderSafe(value: string, field: string): string {
  const trimmed = (value ?? '').trim();
  if (!trimmed) throw new Error(`${field} is required.`);
  if (/[\r\n]/.test(trimmed)) throw new Error(`${field} must not contain line breaks.`);
  return trimmed;
}

/** `a@b` or `Name <a@b>` -> a header value with the display name quoted or RFC 2047 encoded. */
function formatAddressHeader(value: string): string {
  const match = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(value);
  if (!match) {
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(value)) throw new Error(`from is not an email address: "${value}"`);
    return value;
  }
  const name = (match[1] ?? '').replace(/^"(.*)"$/, '$1').trim();
  const address = match[2] as string;
  if (!name) return address;
  if (isPrintableAscii(name) && !name.includes('=?')) {
    return /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(name)
      ? `${name} <${address}>`
      : `"${name.replace(/["\\]/g, '\\$&')}" <${address}>`;
  }
  return foldAscii([...encodeWords(name), `<${address}>`].join(' '), 'From: '.length);
}

function isPrintableAscii(value: string): boolean {
  return /^[\x20-\x7e]*$/.test(value);
}

/**
 * An unstructured header value: kept as is when printable ASCII (folded at spaces past 78 columns),
 * otherwise RFC 2047 `=?UTF-8?B?...?=` words, one per folded line.
 */
function encodeHeaderValue(value: string, prefixLength: number): string {
  if (isPrintableAscii(value) && !value.includes('=?')) return foldAscii(value, prefixLength);
  return encodeWords(value).join('\r\n ');
}

/** Encoded words of at most 39 UTF-8 bytes (64 characters each), never splitting a character. */
function encodeWords(value: string): string[] {
  const words: string[] = [];
  let chunk = '';
  let chunkBytes = 0;
  for (const char of value) {
    const bytes = Buffer.byteLength(char, 'utf8');
    if (chunkBytes + bytes > 39 && chunk) {
      words.push(chunk);
      chunk = '';
      chunkBytes = 0;
    }
    chunk += char;
    chunkBytes += bytes;
  }
  if (chunk || words.length === 0) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`);
}

function foldAscii(value: string, prefixLength: number): string {
  const lines: string[] = [];
  let line = '';
  let limit = 78 - prefixLength;
  for (const word of value.split(/(?= )/)) {
    if (line && line.length + word.length > limit) {
      lines.push(line);
      line = word;
      limit = 78;
    } else {
      line += word;
    }
  }
  lines.push(line);
  return lines.join('\r\n');
}

/** RFC 5322 date-time in UTC: `Tue, 03 Feb 2026 09:05:00 +0000`. */
export function formatRfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * Quoted-printable (RFC 2045 §6.7) of the UTF-8 bytes: line ends become CRLF hard breaks, lines are
 * soft-broken at 76 characters, `=` and non-ASCII bytes are `=XX`, and trailing blanks are encoded.
 */
const PLAIN_LINE = /^(?:[\x21-\x3c\x3e-\x7e \t]*[\x21-\x3c\x3e-\x7e])?$/;

const ASCII_LINE = /^[\t\x20-\x7e]*$/;

/**
 * The encoding below for a line of printable ASCII, tabs and spaces (an HTML line with its
 * `style="..."`, say), without a buffer or a token per byte: only '=' and a trailing blank
 * are escaped, and a soft break never splits an escape.
 */
function encodeAsciiLine(line: string): string {
  const pieces: string[] = [];
  let current = '';
  const last = line.length - 1;
  for (let i = 0; i <= last; i++) {
    const code = line.charCodeAt(i);
    const token = code === 61 || (i === last && (code === 32 || code === 9)) ? hexByte(code) : line[i]!;
    if (current.length + token.length > 75) {
      pieces.push(`${current}=`);
      current = '';
    }
    current += token;
  }
  pieces.push(current);
  return pieces.join('\r\n');
}

export function encodeQuotedPrintable(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => {
      // Most lines are printable ASCII without '=' and end in no blank: each byte stands for
      // itself, so the line is only cut into soft-broken 75-character pieces.
      if (PLAIN_LINE.test(line)) {
        if (line.length <= 75) return line;
        const pieces: string[] = [];
        for (let at = 0; at < line.length; at += 75) pieces.push(line.slice(at, at + 75));
        return pieces.join('=\r\n');
      }
      if (ASCII_LINE.test(line)) return encodeAsciiLine(line);
      const tokens: string[] = [];
      for (const byte of Buffer.from(line, 'utf8')) {
        const literal = (byte >= 33 && byte <= 126 && byte !== 61) || byte === 32 || byte === 9;
        tokens.push(literal ? String.fromCharCode(byte) : hexByte(byte));
      }
      const last = tokens.length - 1;
      if (last >= 0 && (tokens[last] === ' ' || tokens[last] === '\t')) {
        tokens[last] = hexByte((tokens[last] as string).charCodeAt(0));
      }
      const out: string[] = [];
      let current = '';
      for (const token of tokens) {
        if (current.length + token.length > 75) {
          out.push(`${current}=`);
          current = '';
        }
        current += token;
      }
      out.push(current);
      return out.join('\r\n');
    })
    .join('\r\n');
}

function hexByte(byte: number): string {
  return `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------
// Header reading (for the listing)

/** Header block -> lower-cased name -> unfolded raw value (first occurrence). */
function parseHeaders(eml: string): Map<string, string> {
  const end = eml.search(/\r?\n\r?\n/);
  const block = (end === -1 ? eml : eml.slice(0, end)).replace(/\r?\n[ \t]/g, ' ');
  const headers = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return headers;
}

/** Decodes RFC 2047 encoded words (B and Q, UTF-8 / Latin-1 / ASCII); whitespace between words is dropped. */
export function decodeHeaderValue(value: string): string {
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (word, charset: string, encoding: string, data: string) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : Buffer.from(
              data
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) =>
                  String.fromCharCode(Number.parseInt(hex, 16)),
                ),
              'latin1',
            );
      const cs = charset.toLowerCase().split('*')[0];
      if (cs === 'utf-8' || cs === 'utf8') return bytes.toString('utf8');
      if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'us-ascii') return bytes.toString('latin1');
      return word;
    });
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

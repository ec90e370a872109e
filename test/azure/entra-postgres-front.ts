import net from 'node:net';
import tls from 'node:tls';
import { selfSignedCertificate } from '../support/self-signed-certificate';

/**
 * What Azure Database for PostgreSQL does at sign-in, in front of the machine's PostgreSQL
 * (whose loopback sign-in is `trust`, so it never asks for a password): TLS is required (an
 * SSLRequest first, or the connection is refused), then the server asks for a cleartext password
 * and accepts the session only if `accept(user, password)` says the password is a valid Entra
 * token for that user. An accepted session is handed to the real server (user and database
 * rewritten to the test's) and piped both ways from there. Every attempt is recorded.
 */
export interface EntraPostgresFront {
  host: string;
  port: number;
  sessions: { user: string; database: string; password: string; accepted: boolean }[];
  close(): Promise<void>;
}

const sslRequestCode = 80877103;

export async function startEntraPostgresFront(options: {
  host: string;
  /** 5432 by default, as Azure: the app connects to that port. */
  port?: number;
  certificate: { key: string; certificate: string };
  upstream: { host: string; port: number; user: string; database: string };
  accept(user: string, password: string): boolean;
}): Promise<EntraPostgresFront> {
  const sessions: EntraPostgresFront['sessions'] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    serve(socket).catch(() => socket.destroy());
  });

  async function serve(socket: net.Socket): Promise<void> {
    const plain = new Reader(socket);
    const first = await plain.take(8);
    if (first.readInt32BE(0) !== 8 || first.readInt32BE(4) !== sslRequestCode) {
      socket.end(errorResponse('28000', 'SSL connection is required'));
      return;
    }
    plain.detach();
    socket.write('S');
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      key: options.certificate.key,
      cert: options.certificate.certificate,
    });
    secure.on('error', () => socket.destroy());
    const reader = new Reader(secure);
    const length = (await reader.take(4)).readInt32BE(0);
    const startup = await reader.take(length - 4);
    const parameters = startupParameters(startup.subarray(4));
    // AuthenticationCleartextPassword, as Azure asks for the token.
    const ask = Buffer.alloc(9);
    ask.write('R', 0);
    ask.writeInt32BE(8, 1);
    ask.writeInt32BE(3, 5);
    secure.write(ask);
    const header = await reader.take(5);
    if (header.toString('latin1', 0, 1) !== 'p') throw new Error('expected a password message');
    const body = await reader.take(header.readInt32BE(1) - 4);
    const password = body.toString('utf8', 0, body.length - 1);
    const user = parameters.user ?? '';
    const accepted = options.accept(user, password);
    sessions.push({ user, database: parameters.database ?? '', password, accepted });
    if (!accepted) {
      secure.end(errorResponse('28P01', `password authentication failed for user "${user}"`));
      return;
    }
    const upstream = net.connect(options.upstream.port, options.upstream.host);
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      secure.destroy();
    });
    upstream.on('error', () => secure.destroy());
    secure.on('close', () => upstream.destroy());
    upstream.write(
      startupMessage({
        ...parameters,
        user: options.upstream.user,
        database: options.upstream.database,
      }),
    );
    const rest = reader.detach();
    if (rest.length > 0) upstream.write(rest);
    upstream.pipe(secure);
    secure.pipe(upstream);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 5432, options.host, resolve);
  });
  return {
    host: options.host,
    port: (server.address() as net.AddressInfo).port,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Reads exact byte counts from a socket until detached; what it read ahead is returned then. */
class Reader {
  private buffer = Buffer.alloc(0);
  private waiting: { size: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    this.settle();
  };
  private readonly onEnd = () => this.waiting?.reject(new Error('connection closed'));

  constructor(private readonly socket: net.Socket | tls.TLSSocket) {
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
  }

  take(size: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.waiting = { size, resolve, reject };
      this.settle();
    });
  }

  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.pause();
    const rest = this.buffer;
    this.buffer = Buffer.alloc(0);
    return rest;
  }

  private settle() {
    if (!this.waiting || this.buffer.length < this.waiting.size) return;
    const { size, resolve } = this.waiting;
    this.waiting = undefined;
    const taken = this.buffer.subarray(0, size);
    this.buffer = this.buffer.subarray(size);
    resolve(taken);
  }
}

function startupParameters(body: Buffer): Record<string, string> {
  const parts = body.toString('utf8').split('\0');
  const parameters: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length && parts[i]; i += 2) parameters[parts[i]!] = parts[i + 1]!;
  return parameters;
}

function startupMessage(parameters: Record<string, string>): Buffer {
  const body = Buffer.from(
    `${Object.entries(parameters)
      .map(([key, value]) => `${key}\0${value}\0`)
      .join('')}\0`,
  );
  const message = Buffer.alloc(8 + body.length);
  message.writeInt32BE(message.length, 0);
  message.writeInt32BE(196608, 4); // protocol 3.0
  body.copy(message, 8);
  return message;
}

function errorResponse(code: string, text: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0\0`);
  const message = Buffer.alloc(5 + fields.length);
  message.write('E', 0);
  message.writeInt32BE(4 + fields.length, 1);
  fields.copy(message, 5);
  return message;
}

/** A throwaway certificate for the given loopback addresses (the front's TLS). */
export function certificateFor(addresses: string[]): { key: string; certificate: string } {
  return selfSignedCertificate({ ips: addresses });
}

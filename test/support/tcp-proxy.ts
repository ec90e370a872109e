import net from 'node:net';

/**
 * A loopback TCP proxy that can be cut and restored (a real outage of a real server), or frozen
 * and thawed: while frozen it keeps every connection open and accepts new ones but forwards
 * nothing either way (a server that accepts connections and never answers). Bytes sent while
 * frozen are held and delivered on thaw, as a server that stalled and resumed would.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let server: net.Server | undefined;
  let port = 0;
  let frozen = false;
  const forward = (pair: { client: net.Socket; upstream: net.Socket }) => {
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  };
  const hold = (pair: { client: net.Socket; upstream: net.Socket }) => {
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  };
  const listen = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        const pair = { client, upstream };
        pairs.add(pair);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => {
            sockets.delete(s);
            pairs.delete(pair);
          });
          s.on('error', () => s.destroy());
        }
        if (frozen) hold(pair);
        else forward(pair);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    get port() {
      return port;
    },
    async cut() {
      // Stop accepting, then drop live connections (close() alone waits for them).
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
    restore: listen,
    /** Stops forwarding in both directions; connections stay open and new ones are accepted. */
    freeze() {
      if (frozen) return;
      frozen = true;
      for (const pair of pairs) hold(pair);
    },
    /** Forwards again, delivering what was held. */
    thaw() {
      // Idempotent: piping a forwarding pair again would send every byte twice.
      if (!frozen) return;
      frozen = false;
      for (const pair of pairs) forward(pair);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}

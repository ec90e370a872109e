import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Negotiated, RealtimeHub } from '../../realtime/realtime-hub.port';

export const localRealtimePath = '/api/realtime/ws';

/**
 * The local twin of Web PubSub: the local host's own WebSocket endpoint. A connection joins
 * the groups named in its URL (as a Web PubSub client token does) and receives every message
 * broadcast to them as text JSON.
 */
export class LocalRealtimeHub implements RealtimeHub {
  readonly kind = 'local';
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly groups = new Map<string, Set<WebSocket>>();

  async negotiate(groups: string[], origin: string): Promise<Negotiated> {
    const url = new URL(localRealtimePath, origin.replace(/^http/, 'ws'));
    url.searchParams.set('groups', groups.join(','));
    return { url: url.toString(), transport: 'websocket', groups };
  }

  async broadcast(group: string, message: unknown): Promise<void> {
    const members = this.groups.get(group);
    if (!members) return;
    const text = JSON.stringify(message);
    for (const socket of members) if (socket.readyState === socket.OPEN) socket.send(text);
  }

  /** The local host's HTTP upgrade handler; true when it took the request. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== localRealtimePath) return false;
    const groups = (url.searchParams.get('groups') ?? '')
      .split(',')
      .filter((g) => /^[\w:.-]{1,100}$/.test(g))
      .slice(0, 50);
    this.server.handleUpgrade(request, socket, head, (ws) => {
      for (const group of groups) {
        let members = this.groups.get(group);
        if (!members) {
          members = new Set();
          this.groups.set(group, members);
        }
        members.add(ws);
      }
      ws.on('close', () => {
        for (const group of groups) {
          const members = this.groups.get(group);
          members?.delete(ws);
          if (members?.size === 0) this.groups.delete(group);
        }
      });
      ws.on('error', () => ws.terminate());
    });
    return true;
  }

  connectionCount(): number {
    return this.server.clients.size;
  }

  async close(): Promise<void> {
    for (const socket of this.server.clients) socket.terminate();
    this.groups.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

import { type Availability, api, type Negotiated, query } from './api';

export type LiveMode = 'connecting' | 'live' | 'polling';

export interface LiveOptions {
  onAvailability: (update: Availability) => void;
  onMode?: (mode: LiveMode) => void;
  /** Polling interval when the socket is unavailable. */
  pollMs?: number;
}

/**
 * Live stock for some products: a WebSocket to the url from `/realtime/negotiate`; if that
 * fails (or the socket drops), poll `/products/{id}/availability` and try the socket again
 * later. Returns a function that stops everything.
 */
export function watchAvailability(productIds: string[], options: LiveOptions): () => void {
  const pollMs = options.pollMs ?? 3_000;
  let stopped = false;
  let socket: WebSocket | undefined;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  const ids = [...new Set(productIds)].slice(0, 50);

  const setMode = (mode: LiveMode) => options.onMode?.(mode);

  const poll = async () => {
    await Promise.all(
      ids.map(async (id) => {
        try {
          const update = await api<Availability>(`/products/${encodeURIComponent(id)}/availability`);
          if (!stopped) options.onAvailability(update);
        } catch {
          // keep the last known count; the next tick tries again
        }
      }),
    );
  };

  const startPolling = () => {
    if (stopped) return;
    if (!pollTimer) {
      setMode('polling');
      pollTimer = setInterval(() => void poll(), pollMs);
      void poll();
    }
    // try the socket again later, backing off
    if (retryTimer) clearTimeout(retryTimer);
    const delay = Math.min(60_000, 5_000 * 2 ** Math.min(failures, 4));
    retryTimer = setTimeout(() => void connect(), delay);
  };

  const stopPolling = () => {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = undefined;
  };

  const connect = async () => {
    if (stopped || ids.length === 0) return;
    let negotiated: Negotiated;
    try {
      negotiated = await api<Negotiated>(`/realtime/negotiate${query({ productIds: ids.join(',') })}`);
    } catch {
      failures++;
      startPolling();
      return;
    }
    if (stopped) return;
    const url = new URL(negotiated.url, window.location.href);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    let opened = false;
    try {
      socket = new WebSocket(url.toString());
    } catch {
      failures++;
      startPolling();
      return;
    }
    socket.onopen = () => {
      opened = true;
      failures = 0;
      stopPolling();
      if (retryTimer) clearTimeout(retryTimer);
      setMode('live');
      // catch anything that changed between the page's fetch and the subscription
      void poll();
    };
    socket.onmessage = (event) => {
      try {
        const message = JSON.parse(String(event.data)) as Partial<Availability> & { type?: string };
        if (
          message.type === 'availability' &&
          typeof message.productId === 'string' &&
          typeof message.available === 'number'
        ) {
          options.onAvailability({
            productId: message.productId,
            ...(typeof message.sku === 'string' && { sku: message.sku }),
            available: message.available,
            updatedAt: message.updatedAt ?? new Date().toISOString(),
          });
        }
      } catch {
        // ignore malformed frames
      }
    };
    socket.onclose = () => {
      socket = undefined;
      if (stopped) return;
      if (!opened) failures++;
      startPolling();
    };
  };

  setMode('connecting');
  void connect();

  return () => {
    stopped = true;
    stopPolling();
    if (retryTimer) clearTimeout(retryTimer);
    if (socket) {
      socket.onclose = null;
      socket.close();
    }
  };
}

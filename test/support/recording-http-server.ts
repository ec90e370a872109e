import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  auth: string;
  contentType: string;
  body: string;
}

/**
 * A loopback HTTP stand-in for a service's REST API that records every request the real SDK
 * sends and answers with what `answer` returns (JSON; no body for `undefined`).
 */
export async function startRecordingServer(
  answer: (request: RecordedRequest) => { status: number; body?: unknown },
): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        auth: String(req.headers.authorization ?? ''),
        contentType: String(req.headers['content-type'] ?? ''),
        body,
      };
      requests.push(request);
      const reply = answer(request);
      res.statusCode = reply.status;
      if (reply.body === undefined) {
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

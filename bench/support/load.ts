import autocannon from 'autocannon';

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Responses by HTTP status (e.g. { "201": 1450, "409": 3 }). */
  statusCodes?: Record<string, number>;
}

/** Drives one URL with autocannon and summarises it. */
export async function load(
  name: string,
  url: string,
  options: { connections?: number; durationSeconds?: number; requests?: autocannon.Request[] } = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: options.connections ?? 50,
    duration: options.durationSeconds ?? 10,
    requests: options.requests,
  });
  return {
    name,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]),
    ),
  };
}

export interface LatencyResult {
  name: string;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  non2xx: number;
}

/**
 * A closed-loop load with every latency recorded (autocannon reports no p95): `connections`
 * workers on keep-alive sockets, each sending the next path as soon as its answer arrives.
 */
export async function loadWithLatencies(
  name: string,
  base: string,
  nextPath: (n: number) => string,
  options: { connections: number; durationSeconds: number },
): Promise<LatencyResult> {
  const http = await import('node:http');
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(base);
  const latencies: number[] = [];
  let non2xx = 0;
  let n = 0;
  const deadline = performance.now() + options.durationSeconds * 1000;
  const once = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = http.request({ host: target.hostname, port: target.port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 300) non2xx++;
          resolve(performance.now() - started);
        });
      });
      req.on('error', reject);
      req.end();
    });
  const worker = async () => {
    while (performance.now() < deadline) latencies.push(await once(nextPath(n++)));
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
  return {
    name,
    requests: latencies.length,
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    non2xx,
  };
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateCatalogue } from '../../shared/catalogue/demo-catalogue';

// The baseline: bare Node http answering a product-sized JSON, serialised per request.
const product = { ...generateCatalogue(2)[1]!, available: 42, availableUpdatedAt: new Date().toISOString() };
const server = http.createServer((_req, res) => {
  const body = JSON.stringify(product);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  console.log(`LISTENING ${(server.address() as AddressInfo).port}`);
});

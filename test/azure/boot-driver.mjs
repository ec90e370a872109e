// Runs the built Azure bundle the way the Functions Node worker does, in a plain Node process
// whose environment is exactly the app settings Bicep writes: `@azure/functions` finds
// `@azure/functions-core` (the worker's module) and registers every function with it. Here
// that module is a recorder, so the parent test can invoke each registered handler.
//
// Only loopback connections are let out: a connection to any other host fails at once and
// is recorded, which is how "SQL Server and Service Bus are not reachable here" is modelled
// (and keeps the test from touching any network but this machine's).
//
// Usage (from a test): fork('boot-driver.mjs', [bundleDir]); messages in, answers out.
import dns from 'node:dns';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const bundleDir = process.argv[2];
const blocked = [];
const loopback = new Set(['127.0.0.1', 'localhost', '::1', '::ffff:127.0.0.1']);
// 127.0.0.0/8 is loopback too: stand-ins that must listen on a service's own port (PostgreSQL's
// 5432) take an address of their own there.
const isLoopback = (host) => loopback.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: args[1] };
  const host = options.host ?? 'localhost';
  if (!options.path && !isLoopback(host)) {
    blocked.push(`${host}:${options.port}`);
    const error = Object.assign(
      new Error(`connect ENETUNREACH ${host}:${options.port} (loopback only in this test)`),
      {
        code: 'ENETUNREACH',
      },
    );
    process.nextTick(() => this.destroy(error));
    return this;
  }
  return originalConnect.apply(this, args);
};

// Names resolve only to loopback too: no query leaves the machine, and an unreachable
// service fails at once instead of after a resolver time-out.
const originalLookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  if (isLoopback(hostname)) return originalLookup.call(this, hostname, options, callback);
  blocked.push(`${hostname}:dns`);
  process.nextTick(() =>
    done(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })),
  );
};

const registrations = [];
globalThis.__recordingFunctionsCore = {
  version: 'recording',
  setProgrammingModel(model) {
    globalThis.__programmingModel = model;
  },
  getProgrammingModel: () => globalThis.__programmingModel,
  registerFunction(metadata, callback) {
    registrations.push({ metadata, callback });
    return { dispose() {} };
  },
  registerHook: () => ({ dispose() {} }),
  log: () => {},
  Disposable: class {
    dispose() {}
  },
};

const require = createRequire(path.join(process.cwd(), 'package.json'));
const { HttpRequest, InvocationContext } = require('@azure/functions');

const started = performance.now();
await import(pathToFileURL(path.join(bundleDir, 'main.mjs')).href);
const loadMs = performance.now() - started;

function httpTriggerOf(registration) {
  return Object.values(registration.metadata.bindings).find((binding) => binding.type === 'httpTrigger');
}

/** The runtime's route match: `products/{id}` against `products/abc`. */
function matchRoute(template, route) {
  const names = [];
  const pattern = template.replace(/\{(\w+)(?::[^}]*)?\??\}/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(route);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
}

async function invokeHttp({ method, path: requestPath, headers = {}, body }) {
  const url = new URL(`http://127.0.0.1:7071${requestPath}`);
  const route = url.pathname.replace(/^\/api\//, '');
  // Literal routes win over templated ones, as in the Functions host.
  const candidates = registrations
    .map((registration) => ({ registration, trigger: httpTriggerOf(registration) }))
    .filter(({ trigger }) => trigger && (trigger.methods ?? []).includes(method))
    .map(({ registration, trigger }) => ({ registration, params: matchRoute(trigger.route, route), trigger }))
    .filter((candidate) => candidate.params)
    .sort((a, b) => a.trigger.route.includes('{') - b.trigger.route.includes('{'));
  const found = candidates[0];
  if (!found) return { status: 404, headers: {}, body: `no function for ${method} ${route}` };
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers,
    params: found.params,
    body: body === undefined ? undefined : { string: typeof body === 'string' ? body : JSON.stringify(body) },
  });
  const logs = [];
  const context = new InvocationContext({
    invocationId: `boot-${Date.now()}`,
    functionName: found.registration.metadata.name,
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
  const response = await found.registration.callback(request, context);
  let responseBody = response.body ?? '';
  if (response.jsonBody !== undefined) responseBody = JSON.stringify(response.jsonBody);
  return {
    function: found.registration.metadata.name,
    status: response.status ?? 200,
    headers: Object.fromEntries(new Headers(response.headers ?? {}).entries()),
    body: typeof responseBody === 'string' ? responseBody : Buffer.from(responseBody).toString('utf8'),
    logs,
  };
}

async function invokeTimer({ name }) {
  const registration = registrations.find((r) => r.metadata.name === name);
  const logs = [];
  const context = new InvocationContext({
    invocationId: `boot-${Date.now()}`,
    functionName: name,
    logHandler: (level, ...args) => logs.push(`${level}: ${args.map(String).join(' ')}`),
  });
  await registration.callback({ isPastDue: false, scheduleStatus: {} }, context);
  return { logs };
}

function telemetryState() {
  const api = globalThis[Symbol.for('opentelemetry.js.api.1')];
  return { meterProvider: Boolean(api?.metrics), tracerProvider: Boolean(api?.trace) };
}

process.on('message', async (message) => {
  try {
    let result;
    switch (message.op) {
      case 'registrations':
        result = registrations.map((r) => r.metadata);
        break;
      case 'http':
        result = await invokeHttp(message);
        break;
      case 'timer':
        result = await invokeTimer(message);
        break;
      case 'state':
        result = { telemetry: telemetryState(), blocked: [...new Set(blocked)], loadMs };
        break;
      default:
        throw new Error(`unknown op ${message.op}`);
    }
    process.send({ id: message.id, ok: true, result });
  } catch (error) {
    process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) });
  }
});
process.send({ ready: true, loadMs });

import { republishOutbox } from '../shared/messaging/outbox';
import { parseConfig } from '../shared/platform/config';
import { environmentWithLocalSettings } from '../shared/platform/local-host/local-settings';
import { createServices } from '../shared/platform/services';

/**
 * `npm run outbox -- republish --since <ISO time> [--until <ISO time>]`: publishes again every
 * outbox event the relay marked sent in that window, with its original message id, to the bus the
 * settings name (Service Bus when SERVICEBUS_NAMESPACE is set, run with the operator's identity;
 * the local bus otherwise). For after a bus lost messages it had accepted, e.g. a Service Bus
 * geo-disaster-recovery failover (docs/runbook.md, "Region failover drill"): consumers' inbox rows
 * make every event they had already handled a no-op.
 */
const usage = 'usage: npm run outbox -- republish --since <ISO time> [--until <ISO time>]';

function option(args: string[], name: string): Date | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = new Date(args[at + 1] ?? '');
  if (Number.isNaN(value.getTime()))
    throw new Error(`${name} needs an ISO time, e.g. 2026-12-02T09:30:00Z\n${usage}`);
  return value;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] !== 'republish') throw new Error(usage);
  const since = option(args, '--since');
  if (!since) throw new Error(`--since is required\n${usage}`);
  const until = option(args, '--until');
  const config = parseConfig(environmentWithLocalSettings());
  const services = await createServices(config);
  try {
    const started = performance.now();
    const count = await republishOutbox(services.sql.db, services.bus, { since, until });
    console.log(
      `Published again ${count} outbox event(s) sent since ${since.toISOString()}${until ? ` until ${until.toISOString()}` : ''} in ${Math.round(performance.now() - started)} ms.`,
    );
  } finally {
    await services.close();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

import fs from 'node:fs';
import { parseConfig } from '../../shared/platform/config';
import { topicFunction } from '../../shared/platform/function-definition';
import { startLocalHost } from '../../shared/platform/local-host/local-host';
import { createLogger } from '../../shared/platform/logging';
import { createServices } from '../../shared/platform/services';

// A child process for the crash test: `tsx bus-worker.ts <dataDir> <outFile> <publishCount>`.
// Publishes (when count > 0), then consumes slowly, appending each handled id to outFile.
const [dataDir, outFile, publishCount] = process.argv.slice(2) as [string, string, string];

async function main() {
  const services = await createServices(parseConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', PORT: '0' }), {
    topology: { crash: { worker: { maxDeliveryCount: 10 } } },
    busLockDurationMs: 1_000,
  });
  const count = Number(publishCount);
  if (count > 0) {
    const now = Date.now();
    await services.bus.publish(
      'crash',
      Array.from({ length: count }, (_, i) => ({
        messageId: `c-${i}`,
        subject: 'Crash',
        body: { i },
        // A third are scheduled for later: they must survive the crash too.
        scheduledEnqueueTime: i % 3 === 0 ? new Date(now + 1_500) : undefined,
      })),
    );
    process.stdout.write('published\n');
  }
  await startLocalHost({
    definitions: [
      topicFunction({
        name: 'slow-worker',
        topic: 'crash',
        subscription: 'worker',
        handler: async (_body, context) => {
          await new Promise((resolve) => setTimeout(resolve, 60));
          fs.appendFileSync(outFile, `${context.triggerMetadata?.messageId}\n`);
        },
      }),
    ],
    services,
    port: 0,
    logger: createLogger('silent'),
    busIdlePollMs: 50,
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import type http from 'node:http';
import type { FunctionDefinition, HttpFunction, TimerFunction, TopicFunction } from '../function-definition';
import type { Logger } from '../logging';
import type { Services } from '../services';
import { startBusDelivery } from './bus-delivery';
import { startHttpServer } from './http-server';
import { startTimers } from './timer-runner';

export interface LocalHostOptions {
  definitions: FunctionDefinition[];
  services: Services;
  port: number;
  logger: Logger;
  staticDir?: string;
  /** Tests turn timers or bus delivery off to drive them by hand. */
  timers?: boolean;
  bus?: boolean;
  busIdlePollMs?: number;
}

export interface LocalHost {
  url: string;
  server: http.Server;
  stop(): Promise<void>;
}

/** Serves the same function definitions the Azure entry registers, without the Functions runtime. */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { definitions, services, logger } = options;
  const localIssuer = services.localIssuer !== undefined;
  const httpFunctions = definitions.filter(
    (d): d is HttpFunction => d.kind === 'http' && (!d.localOnly || localIssuer),
  );
  const timerFunctions = definitions.filter((d): d is TimerFunction => d.kind === 'timer');
  const topicFunctions = definitions.filter((d): d is TopicFunction => d.kind === 'topic');

  const { url, server } = await startHttpServer({
    functions: httpFunctions,
    port: options.port,
    maxBodyBytes: services.config.maxBodyBytes,
    logger,
    staticDir: options.staticDir,
    upgrade: services.localRealtime
      ? (req, socket, head) => services.localRealtime!.handleUpgrade(req, socket, head)
      : undefined,
  });
  const timers = options.timers === false ? undefined : startTimers(timerFunctions, logger);
  if (topicFunctions.length > 0 && !services.localBus && options.bus !== false) {
    throw new Error('Topic functions need the local bus (leave SERVICEBUS_NAMESPACE blank locally).');
  }
  const delivery =
    options.bus === false || !services.localBus
      ? undefined
      : startBusDelivery(services.localBus, topicFunctions, logger, { idlePollMs: options.busIdlePollMs });

  return {
    url,
    server,
    async stop() {
      timers?.stop();
      await delivery?.stop();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

import type { app as functionsApp } from '@azure/functions';
import { type SendMessage, withRedeliveryBackoff } from '../shared/adapters/bus/redelivery';
import { shopTopology, type Topology } from '../shared/messaging/event-bus.port';
import type { FunctionDefinition } from '../shared/platform/function-definition';
import { services } from '../shared/platform/services';

type FunctionsApp = Pick<typeof functionsApp, 'http' | 'timer' | 'serviceBusTopic'>;

/** The app setting prefix of the Service Bus trigger connection (identity-based in Azure). */
export const serviceBusConnection = 'ServiceBusConnection';

/** Sends a consumer's scheduled retry with the app's Service Bus client (the event bus). */
const sendWithEventBus: SendMessage = async (topic, message) => {
  const { bus } = await services();
  const sender = bus as { sendMessages?: (topic: string, messages: unknown[]) => Promise<void> };
  if (typeof sender.sendMessages !== 'function')
    throw new Error('The event bus is not Service Bus: cannot schedule a retry.');
  await sender.sendMessages(topic, [message]);
};

/**
 * Registers definitions with the Functions runtime. Local-only functions (the dev token
 * issuer) are never registered here. Topic handlers back off between tries along the
 * topology's redelivery schedule (shared/adapters/bus/redelivery.ts).
 */
export function registerAll(
  app: FunctionsApp,
  definitions: FunctionDefinition[],
  options: { topology?: Topology; send?: SendMessage } = {},
): string[] {
  const registered: string[] = [];
  for (const definition of definitions) {
    switch (definition.kind) {
      case 'http':
        if (definition.localOnly) continue;
        app.http(definition.name, {
          route: definition.route,
          methods: definition.methods,
          authLevel: 'anonymous',
          handler: definition.handler,
        });
        break;
      case 'timer':
        app.timer(definition.name, {
          schedule: definition.schedule,
          runOnStartup: definition.runOnStartup ?? false,
          handler: definition.handler,
        });
        break;
      case 'topic':
        app.serviceBusTopic(definition.name, {
          connection: serviceBusConnection,
          topicName: definition.topic,
          subscriptionName: definition.subscription,
          handler: withRedeliveryBackoff(
            definition,
            options.topology ?? shopTopology,
            options.send ?? sendWithEventBus,
          ),
        });
        break;
    }
    registered.push(definition.name);
  }
  return registered;
}

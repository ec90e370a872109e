import type { app as functionsApp } from '@azure/functions';
import type { FunctionDefinition } from '../shared/platform/function-definition';

type FunctionsApp = Pick<typeof functionsApp, 'http' | 'timer' | 'serviceBusTopic'>;

/** The app setting prefix of the Service Bus trigger connection (identity-based in Azure). */
export const serviceBusConnection = 'ServiceBusConnection';

/**
 * Registers definitions with the Functions runtime. Local-only functions (the dev token
 * issuer) are never registered here.
 */
export function registerAll(app: FunctionsApp, definitions: FunctionDefinition[]): string[] {
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
          handler: definition.handler,
        });
        break;
    }
    registered.push(definition.name);
  }
  return registered;
}

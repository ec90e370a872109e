import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient, type ServiceBusMessage, type ServiceBusSender } from '@azure/service-bus';
import type { EventBus, OutgoingMessage } from '../../messaging/event-bus.port';
import type { AzureOperation } from '../../platform/azure-operations';

/** The outbox relay, dead-letter replays and consumers' backoff copies send; the triggers and the dead-letter admin receive. */
export const serviceBusOperations: AzureOperation[] = [
  {
    resourceType: 'Microsoft.ServiceBus/namespaces/topics',
    operation: 'Microsoft.ServiceBus/namespaces/topics/send/action',
    when: 'runtime',
    why: "outbox relay, dead-letter replay, consumers' scheduled retries",
  },
  {
    resourceType: 'Microsoft.ServiceBus/namespaces/topics',
    operation: 'Microsoft.ServiceBus/namespaces/topics/subscriptions/receive/action',
    when: 'runtime',
    why: 'subscription triggers, dead-letter list and replay',
  },
];

/** Maps an outgoing event to a Service Bus message: id = event id (duplicate detection), subject = type. */
export function toServiceBusMessage(message: OutgoingMessage): ServiceBusMessage {
  return {
    messageId: message.messageId,
    subject: message.subject,
    correlationId: message.correlationId,
    contentType: 'application/json',
    body: message.body,
    scheduledEnqueueTimeUtc: message.scheduledEnqueueTime,
  };
}

/** Service Bus topics, reached with the app's managed identity. */
export class ServiceBusEventBus implements EventBus {
  private readonly senders = new Map<string, ServiceBusSender>();

  /** Also serves the dead-letter API (service-bus-dead-letters.ts): one connection, one identity. */
  private constructor(readonly client: ServiceBusClient) {}

  static connect(fullyQualifiedNamespace: string): ServiceBusEventBus {
    return new ServiceBusEventBus(
      new ServiceBusClient(fullyQualifiedNamespace, new DefaultAzureCredential()),
    );
  }

  /** For tests and the emulator: a connection string instead of managed identity. */
  static fromConnectionString(connectionString: string): ServiceBusEventBus {
    return new ServiceBusEventBus(new ServiceBusClient(connectionString));
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.sendMessages(topic, messages.map(toServiceBusMessage));
  }

  /** Sends Service Bus messages as they are (the consumers' scheduled backoff copies: redelivery.ts). */
  async sendMessages(topic: string, messages: ServiceBusMessage[]): Promise<void> {
    let sender = this.senders.get(topic);
    if (!sender) {
      sender = this.client.createSender(topic);
      this.senders.set(topic, sender);
    }
    await sender.sendMessages(messages);
  }

  async close(): Promise<void> {
    for (const sender of this.senders.values()) await sender.close();
    await this.client.close();
  }
}

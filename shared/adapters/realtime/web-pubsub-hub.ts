import type { TokenCredential } from '@azure/identity';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import type { AzureOperation } from '../../platform/azure-operations';
import type { Negotiated, RealtimeHub } from '../../realtime/realtime-hub.port';

export const webPubSubOperations: AzureOperation[] = [
  {
    resourceType: 'Microsoft.SignalRService/webPubSub',
    operation: 'Microsoft.SignalRService/WebPubSub/auth/accessKey/action',
    when: 'runtime',
    why: 'negotiate: a client access token',
  },
  {
    resourceType: 'Microsoft.SignalRService/webPubSub',
    operation: 'Microsoft.SignalRService/WebPubSub/hub/send/action',
    when: 'runtime',
    why: 'live stock pushes to a group',
  },
];

/** The slice of the Web PubSub service client this hub uses (so tests can check the calls). */
export type WebPubSubClient = Pick<WebPubSubServiceClient, 'getClientAccessToken' | 'group'>;

/**
 * Azure Web PubSub, reached with managed identity. Negotiate hands the browser a client URL
 * whose token joins the product groups at connect; broadcasts go to those groups as JSON.
 */
export class WebPubSubHub implements RealtimeHub {
  readonly kind = 'web-pubsub';
  constructor(private readonly client: WebPubSubClient) {}

  static connect(endpoint: string, hub: string, credential: TokenCredential): WebPubSubHub {
    return new WebPubSubHub(new WebPubSubServiceClient(endpoint, credential, hub));
  }

  async negotiate(groups: string[]): Promise<Negotiated> {
    const token = await this.client.getClientAccessToken({ groups, expirationTimeInMinutes: 60 });
    return { url: token.url, transport: 'websocket', groups };
  }

  async broadcast(group: string, message: unknown): Promise<void> {
    // A JSON value is sent with content type application/json; plain WebSocket clients get it as text.
    await this.client.group(group).sendToAll(message as Record<string, string | number>);
  }

  async close(): Promise<void> {}
}

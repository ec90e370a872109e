/** Where and how a browser subscribes (the same contract in Azure and locally). */
export interface Negotiated {
  url: string;
  transport: 'websocket';
  groups: string[];
}

/** Pushes messages to groups of connected browsers: Web PubSub in Azure, the local host locally. */
export interface RealtimeHub {
  readonly kind: 'local' | 'web-pubsub';
  /** `origin` is how the caller reached the API (the local hub serves on the same host). */
  negotiate(groups: string[], origin: string): Promise<Negotiated>;
  broadcast(group: string, message: unknown): Promise<void>;
  close(): Promise<void>;
}

export const productGroup = (productId: string) => `product:${productId}`;

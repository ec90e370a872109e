import type { InvocationContext } from '@azure/functions';
import { replayProperties } from './dead-letters.port';

/**
 * The message id a consumer records in its inbox. A Service Bus replay of a dead letter
 * carries a new message id and the original in `applicationProperties.originalMessageId`:
 * keying on the original keeps replaying an already-handled message a no-op. Else the
 * message id (= event id), else the event id from the body (a handler called directly).
 */
export function inboxKey(context: Pick<InvocationContext, 'triggerMetadata'>, eventId: unknown): string {
  const metadata = context.triggerMetadata ?? {};
  const properties = metadata.applicationProperties;
  const original =
    typeof properties === 'object' && properties !== null
      ? (properties as Record<string, unknown>)[replayProperties.originalMessageId]
      : undefined;
  if (typeof original === 'string' && original !== '') return original;
  return String(metadata.messageId ?? eventId);
}

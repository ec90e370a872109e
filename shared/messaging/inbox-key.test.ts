import { describe, expect, it } from 'vitest';
import { inboxKey } from './inbox-key';

describe('inbox key of a delivered message', () => {
  it('is the message id (= event id) for a normal delivery', () => {
    expect(inboxKey({ triggerMetadata: { messageId: 'evt-1', deliveryCount: 2 } }, 'ignored')).toBe('evt-1');
  });

  it('is the original message id for a Service Bus replay (application properties as the v4 model passes them)', () => {
    const triggerMetadata = {
      messageId: 'evt-1.replay.receipts.42',
      applicationProperties: { replayFor: 'receipts', originalMessageId: 'evt-1' },
    };
    expect(inboxKey({ triggerMetadata }, 'ignored')).toBe('evt-1');
  });

  it('ignores an empty or non-string original id, and falls back to the event id when called directly', () => {
    expect(
      inboxKey(
        { triggerMetadata: { messageId: 'evt-2', applicationProperties: { originalMessageId: 7 } } },
        'x',
      ),
    ).toBe('evt-2');
    expect(
      inboxKey(
        { triggerMetadata: { messageId: 'evt-2', applicationProperties: { originalMessageId: '' } } },
        'x',
      ),
    ).toBe('evt-2');
    expect(inboxKey({ triggerMetadata: { applicationProperties: null } }, 'evt-3')).toBe('evt-3');
    expect(inboxKey({ triggerMetadata: undefined }, 'evt-4')).toBe('evt-4');
  });
});

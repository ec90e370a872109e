import type { EmailMessage as AcsEmailMessage, EmailSendResponse } from '@azure/communication-email';
import { describe, expect, it } from 'vitest';
import type { EmailMessage } from '../../notifications/email-sender.port';
import { type AcsEmailClient, AcsEmailSender, MESSAGE_ID_HEADER, toAcsMessage } from './acs-email-sender';

const SENDER = 'DoNotReply@0000-1111.azurecomm.net';
const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  id: 'receipt-ord_1',
  to: 'zoe@example.test',
  subject: 'Your receipt — Zoë <Ünïcode>',
  text: 'Hi Zoë',
  html: '<p>Hi Zoë</p>',
  ...overrides,
});

describe('toAcsMessage', () => {
  it('maps subject, both bodies, the recipient, the sender and the id header', () => {
    expect(toAcsMessage(message(), SENDER)).toEqual({
      senderAddress: SENDER,
      content: { subject: 'Your receipt — Zoë <Ünïcode>', plainText: 'Hi Zoë', html: '<p>Hi Zoë</p>' },
      recipients: { to: [{ address: 'zoe@example.test' }] },
      headers: { [MESSAGE_ID_HEADER]: 'receipt-ord_1' },
    });
  });

  it('trims addresses and flattens line breaks in the subject', () => {
    const acs = toAcsMessage(message({ to: ' zoe@example.test ', subject: 'Hello\r\nWorld' }), ` ${SENDER} `);
    expect(acs.recipients.to).toEqual([{ address: 'zoe@example.test' }]);
    expect(acs.senderAddress).toBe(SENDER);
    expect(acs.content.subject).toBe('Hello World');
  });

  it.each([
    ['an unset sender', message(), '', /sender address is not set/],
    [
      'a sender that is not an address',
      message(),
      'Storefront',
      /sender address "Storefront" is not a valid/,
    ],
    ['a sender with a display name', message(), `Shop <${SENDER}>`, /sender address .* is not a valid/],
    ['an empty subject', message({ subject: '  ' }), SENDER, /subject is empty/],
    ['a recipient without a domain', message({ to: 'zoe@' }), SENDER, /recipient "zoe@" is not a valid/],
    ['a recipient without a TLD', message({ to: 'zoe@localhost' }), SENDER, /recipient .* is not a valid/],
    ['two recipients in one', message({ to: 'a@b.test, c@d.test' }), SENDER, /recipient .* is not a valid/],
    ['an injected header', message({ to: 'a@b.test\r\nBcc: c@d.test' }), SENDER, /recipient/],
    ['no body at all', message({ text: '', html: ' ' }), SENDER, /neither a plain-text nor an HTML body/],
    ['no id', message({ id: '' }), SENDER, /message id is empty/],
  ])('rejects %s with a clear error', (_label, input, sender, error) => {
    expect(() => toAcsMessage(input, sender)).toThrow(error);
  });
});

/** Records every beginSend payload; each poller resolves with the next scripted status. */
function fakeClient(statuses: Array<EmailSendResponse['status']> = []) {
  const calls: AcsEmailMessage[] = [];
  let polls = 0;
  const client: AcsEmailClient = {
    beginSend: (async (payload: AcsEmailMessage) => {
      calls.push(structuredClone(payload));
      const status = statuses[calls.length - 1] ?? 'Succeeded';
      const result: EmailSendResponse = {
        id: `op-${calls.length}`,
        status,
        ...(status === 'Failed' ? { error: { code: 'Denied', message: 'Recipient blocked' } } : {}),
      };
      return {
        pollUntilDone: async () => {
          polls++;
          // The long-running operation takes a moment (the scenario, not a wait for something).
          await new Promise((resolve) => setTimeout(resolve, 5));
          return result;
        },
      };
    }) as unknown as AcsEmailClient['beginSend'],
  };
  return { client, calls, polls: () => polls };
}

describe('AcsEmailSender (fake ACS client — Communication Services cannot run here)', () => {
  it('sends the mapped payload and waits for the operation to finish', async () => {
    const fake = fakeClient();
    const sender = new AcsEmailSender({ senderAddress: SENDER, client: fake.client });
    expect(sender.kind).toBe('azure-communication');
    await sender.send(message());
    expect(fake.calls).toEqual([toAcsMessage(message(), SENDER)]);
    expect(fake.calls[0]).toMatchObject({
      senderAddress: SENDER,
      content: { subject: 'Your receipt — Zoë <Ünïcode>', plainText: 'Hi Zoë', html: '<p>Hi Zoë</p>' },
      recipients: { to: [{ address: 'zoe@example.test' }] },
      headers: { 'X-Storefront-Message-Id': 'receipt-ord_1' },
    });
    expect(fake.polls()).toBe(1);
    await sender.close();
  });

  it('does not call ACS for an invalid message', async () => {
    const fake = fakeClient();
    const sender = new AcsEmailSender({ senderAddress: SENDER, client: fake.client });
    await expect(sender.send(message({ subject: '' }))).rejects.toThrow(/subject is empty/);
    const unset = new AcsEmailSender({ senderAddress: '', client: fake.client });
    await expect(unset.send(message())).rejects.toThrow(/sender address is not set/);
    expect(fake.calls).toHaveLength(0);
  });

  it('a repeated or concurrent id is sent once by this instance', async () => {
    const fake = fakeClient();
    const sender = new AcsEmailSender({ senderAddress: SENDER, client: fake.client });
    await Promise.all([sender.send(message()), sender.send(message()), sender.send(message())]);
    await sender.send(message());
    await sender.send(message({ id: 'shipped-ord_1', subject: 'Shipped' }));
    expect(fake.calls.map((c) => c.headers?.[MESSAGE_ID_HEADER])).toEqual(['receipt-ord_1', 'shipped-ord_1']);
  });

  it('forgets the oldest ids past its memory limit', async () => {
    const fake = fakeClient();
    const sender = new AcsEmailSender({ senderAddress: SENDER, client: fake.client, rememberSentIds: 2 });
    for (const id of ['a', 'b', 'c', 'a', 'c']) await sender.send(message({ id }));
    expect(fake.calls.map((c) => c.headers?.[MESSAGE_ID_HEADER])).toEqual(['a', 'b', 'c', 'a']);
  });

  it('a failed operation rejects with the ACS reason, and the id can be retried', async () => {
    const fake = fakeClient(['Failed', 'Succeeded']);
    const sender = new AcsEmailSender({ senderAddress: SENDER, client: fake.client });
    await expect(sender.send(message())).rejects.toThrow(
      'ACS email send op-1 ended Failed: Recipient blocked',
    );
    await sender.send(message());
    expect(fake.calls).toHaveLength(2);
  });

  it('needs an endpoint when no client is injected; builds the real client otherwise', () => {
    expect(() => new AcsEmailSender({ senderAddress: SENDER })).toThrow(/endpoint is required/);
    const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 60_000 }) };
    const sender = new AcsEmailSender({
      senderAddress: SENDER,
      endpoint: 'https://storefront.communication.azure.com',
      credential,
    });
    expect(sender.kind).toBe('azure-communication');
  });
});

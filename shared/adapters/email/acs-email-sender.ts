import { type EmailMessage as AcsEmailMessage, EmailClient } from '@azure/communication-email';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { EmailMessage, EmailSender } from '../../notifications/email-sender.port';
import type { AzureOperation } from '../../platform/azure-operations';

/** What ACS documents for sending email as an Entra principal (smtp-authentication quickstart). */
export const emailOperations: AzureOperation[] = [
  {
    resourceType: 'Microsoft.Communication/communicationServices',
    operation: 'Microsoft.Communication/CommunicationServices/Read',
    when: 'runtime',
    why: 'send email',
  },
  {
    resourceType: 'Microsoft.Communication/communicationServices',
    operation: 'Microsoft.Communication/CommunicationServices/Write',
    when: 'runtime',
    why: 'send email',
  },
  {
    resourceType: 'Microsoft.Communication/communicationServices',
    operation: 'Microsoft.Communication/EmailServices/write',
    when: 'runtime',
    why: 'send email',
  },
];

/** The slice of the ACS Email client this sender uses (so tests can inject a fake). */
export type AcsEmailClient = Pick<EmailClient, 'beginSend'>;

export interface AcsEmailSenderOptions {
  /** Verified sender, e.g. `DoNotReply@<guid>.azurecomm.net` (a bare address: ACS takes no display name here). */
  senderAddress: string;
  /** `https://<resource>.communication.azure.com`; required unless `client` is given. */
  endpoint?: string;
  /** Defaults to DefaultAzureCredential (managed identity on Azure). */
  credential?: TokenCredential;
  /** An already-built client (tests). */
  client?: AcsEmailClient;
  /** How many recently sent ids this instance remembers to skip repeats (default 1000). */
  rememberSentIds?: number;
}

/** Custom header carrying the stable message id (`receipt-<orderId>`), for support and log correlation. */
export const MESSAGE_ID_HEADER = 'X-Storefront-Message-Id';

const EMAIL_ADDRESS = /^[^\s@<>()[\]",;:\\]+@[^\s@<>()[\]",;:\\]+\.[^\s@<>()[\]",;:\\.]+$/;

/**
 * EmailMessage -> the ACS send payload, validated: a non-empty subject, a body, and addresses that look
 * like addresses. Throws an Error naming the bad field.
 */
export function toAcsMessage(message: EmailMessage, sender: string): AcsEmailMessage {
  const senderAddress = (sender ?? '').trim();
  if (!senderAddress) throw new Error('ACS email: the sender address is not set (senderAddress).');
  if (!EMAIL_ADDRESS.test(senderAddress)) {
    throw new Error(`ACS email: the sender address "${senderAddress}" is not a valid email address.`);
  }
  const to = (message.to ?? '').trim();
  if (!EMAIL_ADDRESS.test(to))
    throw new Error(`ACS email: the recipient "${to}" is not a valid email address.`);
  const subject = (message.subject ?? '').replace(/[\r\n]+/g, ' ').trim();
  if (!subject) throw new Error('ACS email: the subject is empty.');
  if (!message.text?.trim() && !message.html?.trim()) {
    throw new Error('ACS email: the message has neither a plain-text nor an HTML body.');
  }
  const id = (message.id ?? '').trim();
  if (!id) throw new Error('ACS email: the message id is empty.');
  return {
    senderAddress,
    content: { subject, plainText: message.text, html: message.html },
    recipients: { to: [{ address: to }] },
    headers: { [MESSAGE_ID_HEADER]: id },
  };
}

/**
 * Azure Communication Services Email. `send` resolves once ACS reports the send operation Succeeded.
 * ACS has no "send once per id" switch, so a repeat of an id is skipped only while this instance
 * remembers it (and concurrent sends of one id share one request); across instances the caller's own
 * record (the order's `receipt_sent_at`) is what prevents a second email.
 */
export class AcsEmailSender implements EmailSender {
  readonly kind = 'azure-communication';
  private readonly client: AcsEmailClient;
  private readonly senderAddress: string;
  private readonly remember: number;
  private readonly sent = new Set<string>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(options: AcsEmailSenderOptions) {
    this.senderAddress = options.senderAddress;
    this.remember = options.rememberSentIds ?? 1000;
    if (options.client) {
      this.client = options.client;
    } else {
      if (!options.endpoint) throw new Error('AcsEmailSender: endpoint is required when no client is given.');
      this.client = new EmailClient(options.endpoint, options.credential ?? new DefaultAzureCredential());
    }
  }

  async send(message: EmailMessage): Promise<void> {
    const payload = toAcsMessage(message, this.senderAddress); // validate before any dedupe/network
    if (this.sent.has(message.id)) return;
    const pending = this.inFlight.get(message.id);
    if (pending) return pending;
    const attempt = this.deliver(payload).then(() => this.markSent(message.id));
    this.inFlight.set(message.id, attempt);
    try {
      await attempt;
    } finally {
      this.inFlight.delete(message.id);
    }
  }

  async close(): Promise<void> {}

  private async deliver(payload: AcsEmailMessage): Promise<void> {
    const poller = await this.client.beginSend(payload);
    const result = await poller.pollUntilDone();
    if (result.status !== 'Succeeded') {
      const reason = result.error?.message ?? result.error?.code ?? 'no error detail';
      throw new Error(`ACS email send ${result.id} ended ${result.status}: ${reason}`);
    }
  }

  private markSent(id: string): void {
    this.sent.add(id);
    if (this.sent.size > this.remember) {
      const oldest = this.sent.values().next().value;
      if (oldest !== undefined) this.sent.delete(oldest);
    }
  }
}

/** One email, already rendered. The adapters deliver it; they never build content. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** stable id, e.g. 'receipt-<orderId>': sending the same id twice must not produce two emails where the adapter can prevent it */
  id: string;
}

/**
 * Delivers emails. Locally: `.eml` files in an outbox folder (listed by a dev page).
 * On Azure: Azure Communication Services Email.
 */
export interface EmailSender {
  readonly kind: 'outbox-folder' | 'azure-communication';
  /**
   * How long a consumer waits for `send` before it counts the try as failed and backs off
   * (default `defaultEmailSendTimeoutMs` in order-emails.service.ts).
   */
  readonly sendTimeoutMs?: number;
  send(message: EmailMessage): Promise<void>;
  close(): Promise<void>;
}

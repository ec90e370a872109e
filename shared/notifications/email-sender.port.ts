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
  send(message: EmailMessage): Promise<void>;
  close(): Promise<void>;
}

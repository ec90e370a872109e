import { AppError } from '../platform/errors';
import type {
  CancelInput,
  CancelOutcome,
  ChargeInput,
  ChargeOutcome,
  LookupInput,
  LookupOutcome,
  PaymentGateway,
  PaymentProvider,
  PaymentWebhookEvent,
  ProviderPaymentGateway,
  WebhookHeaders,
} from './payment-gateway.port';
import { validateChargeInput } from './payment-input';

/** The one PaymentGateway the app holds: sends each call to the adapter for its provider. */
export class RoutedPaymentGateway implements PaymentGateway {
  constructor(
    private readonly adapters: Record<PaymentProvider, ProviderPaymentGateway>,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  private adapter(provider: PaymentProvider): ProviderPaymentGateway {
    const adapter = this.adapters[provider];
    if (!adapter)
      throw new AppError(400, 'unsupported_payment_method', `Unknown payment provider '${provider}'.`);
    return adapter;
  }

  async charge(input: ChargeInput): Promise<ChargeOutcome> {
    validateChargeInput(input);
    return this.adapter(input.method.provider).charge(input);
  }

  async lookup(input: LookupInput): Promise<LookupOutcome> {
    return this.adapter(input.provider).lookup(input);
  }

  async cancel(input: CancelInput): Promise<CancelOutcome> {
    return this.adapter(input.provider).cancel(input);
  }

  async parseWebhook(
    provider: PaymentProvider,
    rawBody: string,
    headers: WebhookHeaders,
  ): Promise<PaymentWebhookEvent> {
    return this.adapter(provider).parseWebhook(rawBody, headers);
  }

  describe(): Record<PaymentProvider, string> {
    return { stripe: this.adapters.stripe.description, paypal: this.adapters.paypal.description };
  }

  async close(): Promise<void> {
    await this.onClose();
  }
}

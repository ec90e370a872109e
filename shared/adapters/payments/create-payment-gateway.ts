import path from 'node:path';
import type { PaymentGateway, ProviderPaymentGateway } from '../../payments/payment-gateway.port';
import { RoutedPaymentGateway } from '../../payments/payment-gateway-router';
import { ConfigError } from '../../platform/config';
import { PaypalPaymentGateway } from './paypal/paypal-payment-gateway';
import { SandboxPaymentGateway } from './sandbox/sandbox-payment-gateway';
import { StripePaymentGateway } from './stripe/stripe-payment-gateway';

/**
 * Payment settings. A blank API base selects the sandbox for that provider only when the
 * sandbox is explicitly on (PAYMENTS_SANDBOX=true, the local default); otherwise it is a
 * ConfigError. A set base needs its credentials. Names in comments are the app settings.
 */
export interface PaymentGatewaySettings {
  /** DATA_DIR: the sandbox journal lives in `<dataDir>/payments/`. */
  dataDir: string;
  /** PAYMENTS_SANDBOX: may the sandbox take payments for a provider whose API base is blank? */
  sandbox: boolean;
  /** STRIPE_API_BASE, e.g. `https://api.stripe.com`; blank = sandbox (if allowed). */
  stripeApiBase: string;
  /** STRIPE_SECRET_KEY (Key Vault reference in Azure). */
  stripeSecretKey: string;
  /** STRIPE_WEBHOOK_SECRET; in the sandbox, blank = a fixed local-only secret. */
  stripeWebhookSecret: string;
  /** PAYPAL_API_BASE, e.g. `https://api-m.paypal.com`; blank = sandbox (if allowed). */
  paypalApiBase: string;
  /** PAYPAL_CLIENT_ID */
  paypalClientId: string;
  /** PAYPAL_CLIENT_SECRET (Key Vault reference in Azure). */
  paypalClientSecret: string;
  /** PAYPAL_WEBHOOK_ID */
  paypalWebhookId: string;
}

export interface ConfiguredPaymentGateway extends PaymentGateway {
  /** Present when any provider runs on the sandbox: dev tools use it to finish 3-D Secure or
   * simulate webhooks. */
  readonly sandbox: SandboxPaymentGateway | undefined;
}

export async function createPaymentGateway(
  settings: PaymentGatewaySettings,
): Promise<ConfiguredPaymentGateway> {
  // Check every setting before opening anything, so a bad configuration leaves nothing open.
  if (!settings.sandbox) {
    for (const [name, base] of [
      ['STRIPE_API_BASE', settings.stripeApiBase],
      ['PAYPAL_API_BASE', settings.paypalApiBase],
    ] as const) {
      if (!base) {
        throw new ConfigError(
          `${name} is blank and PAYMENTS_SANDBOX is not 'true': the sandbox gateway never switches itself on.`,
        );
      }
    }
  }
  let stripe: ProviderPaymentGateway | undefined;
  if (settings.stripeApiBase) {
    if (!settings.stripeSecretKey || !settings.stripeWebhookSecret) {
      throw new ConfigError(
        'STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required when STRIPE_API_BASE is set.',
      );
    }
    stripe = new StripePaymentGateway({
      apiBase: settings.stripeApiBase,
      secretKey: settings.stripeSecretKey,
      webhookSecret: settings.stripeWebhookSecret,
    });
  }
  let paypal: ProviderPaymentGateway | undefined;
  if (settings.paypalApiBase) {
    if (!settings.paypalClientId || !settings.paypalClientSecret || !settings.paypalWebhookId) {
      throw new ConfigError(
        'PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and PAYPAL_WEBHOOK_ID are required when PAYPAL_API_BASE is set.',
      );
    }
    paypal = new PaypalPaymentGateway({
      apiBase: settings.paypalApiBase,
      clientId: settings.paypalClientId,
      clientSecret: settings.paypalClientSecret,
      webhookId: settings.paypalWebhookId,
    });
  }
  const sandbox =
    stripe && paypal
      ? undefined
      : await SandboxPaymentGateway.open({
          dataDir: path.join(settings.dataDir, 'payments'),
          stripeWebhookSecret: settings.stripeWebhookSecret,
        });
  const router = new RoutedPaymentGateway(
    {
      stripe: stripe ?? sandbox!.forProvider('stripe'),
      paypal: paypal ?? sandbox!.forProvider('paypal'),
    },
    async () => {
      await sandbox?.close();
    },
  );
  return Object.assign(router, { sandbox });
}

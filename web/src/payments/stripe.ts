/**
 * Stripe Elements. This module (and Stripe.js, fetched from Stripe's CDN by loadStripe) is only
 * loaded when /client-config carries a stripePublishableKey.
 */
import { loadStripe, type Stripe, type StripeCardElement } from '@stripe/stripe-js';

export interface StripeCard {
  createPaymentMethod(name: string): Promise<string>;
  handleNextAction(clientSecret: string): Promise<void>;
  destroy(): void;
}

export async function mountStripeCard(
  publishableKey: string,
  container: HTMLElement,
  onChange: (error: string | null) => void,
): Promise<StripeCard> {
  const stripe: Stripe | null = await loadStripe(publishableKey);
  if (!stripe) throw new Error('Card payments are unavailable right now.');
  const elements = stripe.elements();
  const card: StripeCardElement = elements.create('card', {
    hidePostalCode: true,
    style: { base: { fontSize: '16px', color: '#1b2333' } },
  });
  card.mount(container);
  card.on('change', (event) => onChange(event.error?.message ?? null));
  return {
    async createPaymentMethod(name) {
      const result = await stripe.createPaymentMethod({ type: 'card', card, billing_details: { name } });
      if (result.error || !result.paymentMethod)
        throw new Error(result.error?.message ?? 'Card not accepted.');
      return result.paymentMethod.id;
    },
    async handleNextAction(clientSecret) {
      const result = await stripe.handleNextAction({ clientSecret });
      if (result.error) throw new Error(result.error.message ?? 'Authentication failed.');
    },
    destroy() {
      card.destroy();
    },
  };
}

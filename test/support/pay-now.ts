import { checkoutResponse } from '../../functions/checkout/checkout-response';
import { type Aftermath, type CheckoutDeps, checkout } from '../../shared/checkout/checkout.service';
import type { CheckoutOutcome } from '../../shared/checkout/checkout-outcome';
import type { Principal } from '../../shared/identity/principal';

/** A valid Pay Now body's parts: a UK shipping address and the sandbox's succeeding test card. */
export const address = {
  name: 'Ada Lovelace',
  line1: '1 Main St',
  line2: '',
  city: 'London',
  postalCode: 'N1 9GU',
  country: 'GB',
};
export const visa = { provider: 'stripe', paymentMethodId: 'pm_card_visa' };

/** Pay Now as the trigger answers it: the HTTP status and body on the wire, with the typed outcome. */
export interface PayNowAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  outcome: CheckoutOutcome;
  aftermath: Aftermath;
}

/**
 * checkout() then the trigger's mapping (functions/checkout/checkout-response.ts), with the body
 * parsed from the JSON the trigger would send: tests assert HTTP behaviour without an HTTP host.
 */
export async function payNow(
  deps: CheckoutDeps,
  shopper: Principal,
  key: string,
  body: unknown,
): Promise<PayNowAnswer> {
  const result = await checkout(deps, shopper, key, body);
  const response = checkoutResponse(result.outcome);
  return {
    status: response.status ?? 200,
    body: JSON.parse(String(response.body)),
    headers: response.headers as Record<string, string>,
    outcome: result.outcome,
    aftermath: result.aftermath,
  };
}

/**
 * Stripe's documented test PaymentMethod ids and how Stripe treats them in test mode
 * (https://docs.stripe.com/testing). The sandbox gateway and the fake Stripe API both read
 * this table, so the local default and the Stripe tests agree on what each id does.
 */
export type TestPaymentBehaviour =
  | { kind: 'succeed' }
  /** `errorCode`/`declineCode`/`message` exactly as Stripe's card_error carries them. */
  | { kind: 'decline'; errorCode: string; declineCode: string; message: string }
  /** 3-D Secure required on every charge (card 4000 0027 6000 3184). */
  | { kind: 'authenticate' };

export interface TestPaymentMethod {
  id: string;
  brand: string;
  last4: string;
  behaviour: TestPaymentBehaviour;
}

const succeed = { kind: 'succeed' } as const;
const declined = (errorCode: string, declineCode: string, message: string): TestPaymentBehaviour => ({
  kind: 'decline',
  errorCode,
  declineCode,
  message,
});

export const STRIPE_TEST_PAYMENT_METHODS: readonly TestPaymentMethod[] = [
  { id: 'pm_card_visa', brand: 'visa', last4: '4242', behaviour: succeed },
  { id: 'pm_card_visa_debit', brand: 'visa', last4: '5556', behaviour: succeed },
  { id: 'pm_card_mastercard', brand: 'mastercard', last4: '4444', behaviour: succeed },
  { id: 'pm_card_amex', brand: 'amex', last4: '8431', behaviour: succeed },
  { id: 'pm_card_discover', brand: 'discover', last4: '1117', behaviour: succeed },
  {
    id: 'pm_card_chargeDeclined',
    brand: 'visa',
    last4: '0002',
    behaviour: declined('card_declined', 'generic_decline', 'Your card was declined.'),
  },
  {
    id: 'pm_card_chargeDeclinedInsufficientFunds',
    brand: 'visa',
    last4: '9995',
    behaviour: declined('card_declined', 'insufficient_funds', 'Your card has insufficient funds.'),
  },
  {
    id: 'pm_card_chargeDeclinedExpiredCard',
    brand: 'visa',
    last4: '0069',
    behaviour: declined('expired_card', 'expired_card', 'Your card has expired.'),
  },
  {
    id: 'pm_card_chargeDeclinedIncorrectCvc',
    brand: 'visa',
    last4: '0127',
    behaviour: declined('incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect."),
  },
  {
    id: 'pm_card_chargeDeclinedFraudulent',
    brand: 'visa',
    last4: '0019',
    behaviour: declined('card_declined', 'fraudulent', 'Your card was declined.'),
  },
  { id: 'pm_card_authenticationRequired', brand: 'visa', last4: '3184', behaviour: { kind: 'authenticate' } },
  { id: 'pm_card_threeDSecure2Required', brand: 'visa', last4: '3220', behaviour: { kind: 'authenticate' } },
];

const byId = new Map(STRIPE_TEST_PAYMENT_METHODS.map((method) => [method.id, method]));

export function findTestPaymentMethod(id: string): TestPaymentMethod | undefined {
  return byId.get(id);
}

/** What Stripe says when 3-D Secure fails (PaymentIntent last_payment_error). */
export const AUTHENTICATION_FAILED = {
  errorCode: 'payment_intent_authentication_failure',
  message:
    'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
} as const;

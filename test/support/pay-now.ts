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

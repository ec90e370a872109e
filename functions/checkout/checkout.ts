import { checkout } from '../../shared/checkout/checkout.service';
import { applyAftermath, checkoutDeps } from '../../shared/checkout/checkout-deps';
import { signedIn } from '../../shared/identity/require-principal';
import { httpFunction } from '../../shared/platform/function-definition';
import { readJson } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';
import { checkoutResponse, requireKey } from './checkout-response';

/** `POST /api/checkout` (Pay Now), with a required Idempotency-Key. */
export const checkoutFunction = httpFunction({
  name: 'checkout',
  route: 'checkout',
  methods: ['POST'],
  handler: async (request, context) => {
    const s = await services();
    // No user row is made here (signedInShopper would look for it): an order is written only for
    // a cart's lines, and a cart line exists only for a user who has one.
    const shopper = await signedIn(request, s);
    const body = await readJson(request);
    const key = requireKey(request.headers.get('idempotency-key'));
    const result = await checkout(checkoutDeps(s), shopper, key, body);
    await applyAftermath(s, result.aftermath, (m) => context.warn(m));
    return checkoutResponse(result.outcome);
  },
});

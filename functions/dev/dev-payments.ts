import * as z from 'zod';
import { settlePayment } from '../../shared/checkout/checkout.service';
import { applyAftermath, checkoutDeps } from '../../shared/checkout/checkout-deps';
import { signedInShopper } from '../../shared/identity/shopper';
import { findOrderIdByPaymentReference, findUserOrder } from '../../shared/orders/orders.repository';
import { AppError, notFound } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, readJsonWith } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

/**
 * Dev-only: the sandbox's stand-in for the 3-D Secure challenge page. Passes or fails the
 * authentication, then settles the order as the provider's webhook would.
 */
export const devAuthenticateFunction = httpFunction({
  name: 'dev-authenticate-payment',
  route: 'dev/payments/{reference}/authenticate',
  methods: ['POST'],
  localOnly: true,
  handler: async (request, context) => {
    const s = await services();
    const shopper = await signedInShopper(request, s);
    const sandbox = s.payments.sandbox;
    if (!sandbox) throw new AppError(404, 'not_found', 'The sandbox gateway is not in use here.');
    const { succeed } = await readJsonWith(request, z.object({ succeed: z.boolean().default(true) }));
    const reference = request.params.reference ?? '';
    const orderId = await findOrderIdByPaymentReference(s.sql.db, reference);
    if (!orderId || !(await findUserOrder(s.sql.db, shopper.userId, orderId)))
      throw notFound('Payment', reference);
    const outcome = await sandbox.confirmAction(reference, succeed);
    await applyAftermath(s, await settlePayment(checkoutDeps(s), orderId, outcome), (m) => context.warn(m));
    return json(200, await findUserOrder(s.sql.db, shopper.userId, orderId), { 'cache-control': 'no-store' });
  },
});

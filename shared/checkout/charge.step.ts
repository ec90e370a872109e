import type { Principal } from '../identity/principal';
import type { OrderRow } from '../orders/orders.repository';
import type { ChargeOutcome, PaymentGateway } from '../payments/payment-gateway.port';
import { isAppError } from '../platform/errors';
import type { CheckoutRequest } from './checkout-request';

/*
 * Pay Now's second step: the gateway charges the reserved order, with the order id as its
 * idempotency key. Its compensation is not run here: a charge whose outcome is unknown leaves
 * the order `pending_payment`, and the recovery timer (payment-recovery.ts) asks the gateway, or
 * past the authentication window cancels the payment, then settles the order as this call would
 * have.
 */
export const chargeStep = {
  /** The gateway's outcome, or `unknown` (network, 5xx: the provider may or may not have charged). */
  async run(
    gateway: PaymentGateway,
    order: OrderRow,
    shopper: Principal,
    request: CheckoutRequest,
  ): Promise<ChargeOutcome | { status: 'unknown' }> {
    try {
      return await gateway.charge({
        orderId: order.id,
        amountMinor: order.total_minor,
        currency: order.currency,
        method:
          request.payment.provider === 'stripe'
            ? request.payment
            : { provider: 'paypal', orderId: request.payment.orderId },
        customerEmail: shopper.email || undefined,
      });
    } catch (error) {
      if (isAppError(error) && error.status === 502) return { status: 'unknown' };
      throw error;
    }
  },
};

import { httpFunction } from '../../shared/platform/function-definition';
import { json } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';

/** `GET /api/client-config`: the public settings the SPA needs (never a secret). */
export const clientConfigFunction = httpFunction({
  name: 'client-config',
  route: 'client-config',
  methods: ['GET'],
  handler: async () => {
    const { config, localIssuer } = await services();
    const auth = localIssuer
      ? { mode: 'local' as const }
      : {
          mode: 'entra' as const,
          authority: config.auth.spa.authority,
          clientId: config.auth.spa.clientId,
          scopes: config.auth.spa.scopes,
        };
    return json(
      200,
      {
        auth,
        stripePublishableKey: config.payments.stripePublishableKey,
        paypalClientId: config.payments.paypalClientId,
        payments: { sandbox: config.payments.stripeApiBase === '' },
        cartHoldMinutes: config.cart.holdMinutes,
      },
      { 'cache-control': 'public, max-age=300' },
    );
  },
});

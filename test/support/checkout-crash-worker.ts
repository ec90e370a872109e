import { setLineQuantity } from '../../shared/cart/cart.service';
import { cartDeps } from '../../shared/cart/cart-deps';
import { checkout } from '../../shared/checkout/checkout.service';
import { checkoutDeps } from '../../shared/checkout/checkout-deps';
import { ensureUser } from '../../shared/identity/users.repository';
import { startTestShop } from './test-shop';

// Crash test child: `tsx checkout-crash-worker.ts <dataDir> <afterReserve|afterCharge>`.
// Puts 2 units in a cart, starts Pay Now, and is SIGKILLed at the named point.
const [dataDir, crashAt] = process.argv.slice(2) as [string, 'afterReserve' | 'afterCharge'];

async function main() {
  const shop = await startTestShop({ dataDir, products: 5, host: false });
  const principal = {
    userId: 'crash',
    email: 'crash@example.test',
    name: 'Crash',
    roles: ['shopper' as const],
  };
  await ensureUser(shop.services.sql.db, principal);
  await setLineQuantity(cartDeps(shop.services), 'crash', shop.products[1]!.id, { quantity: 2 });
  const die = async (orderId: string) => {
    process.stdout.write(`ORDER ${orderId}\n`);
    process.kill(process.pid, 'SIGKILL');
    await new Promise(() => {});
  };
  await checkout(
    {
      ...checkoutDeps(shop.services),
      hooks: crashAt === 'afterReserve' ? { afterReserve: die } : { afterCharge: die },
    },
    principal,
    'crash-key-0001',
    {
      shippingAddress: { name: 'C', line1: '1 Road', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' },
      payment: { provider: 'stripe', paymentMethodId: 'pm_card_visa' },
    },
  );
  process.stdout.write('NOT CRASHED\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

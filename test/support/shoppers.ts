import type { Db } from '../../shared/adapters/sql/schema';
import { insertCartLine } from '../../shared/cart/cart.repository';
import type { Product } from '../../shared/catalogue/product';
import type { Principal } from '../../shared/identity/principal';
import { ensureUser } from '../../shared/identity/users.repository';

/** A signed-up shopper (their users row exists), as checkout sees them. */
export async function signUpShopper(db: Db, userId: string): Promise<Principal> {
  const principal = { userId, email: `${userId}@example.test`, name: userId, roles: [] };
  await ensureUser(db, principal);
  return principal;
}

/**
 * `quantity` units of `product` in the shopper's cart at its price (the catalogue price unless the caller gives another),
 * their hold lapsed: Pay Now re-acquires the stock.
 */
export async function putLapsedLine(
  db: Db,
  userId: string,
  product: Pick<Product, 'id' | 'sku' | 'name' | 'priceMinor' | 'currency'>,
  quantity = 1,
): Promise<void> {
  await insertCartLine(db, {
    userId,
    productId: product.id,
    sku: product.sku,
    name: product.name,
    unitPriceMinor: product.priceMinor,
    currency: product.currency,
    quantity,
    heldQuantity: 0,
    holdExpiresAt: new Date(0),
    addedAt: new Date(),
  });
}

/** A SKU's inventory row (on hand and held). */
export function stockOf(db: Db, sku: string) {
  return db
    .selectFrom('inventory')
    .select(['on_hand', 'held'])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow();
}

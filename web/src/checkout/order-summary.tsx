import type { ComponentChildren } from 'preact';
import type { Cart } from '../api';
import { Price } from '../components';
import { lineNow, payableTotal } from './totals';

/** The cart's lines and total beside the form; `children` (the pay button, status) go below. */
export function OrderSummary({ cart, children }: { cart: Cart; children?: ComponentChildren }) {
  return (
    <aside class="summary" aria-labelledby="order-summary-heading">
      <h2 id="order-summary-heading">Order summary</h2>
      <ul class="summary-lines">
        {cart.lines.map((line) => (
          <li key={line.sku}>
            <span>
              {line.quantity} × {line.name}
              {line.variantLabel ? ` (${line.variantLabel})` : ''}
            </span>
            <Price {...lineNow(line)} />
          </li>
        ))}
      </ul>
      <dl>
        <div class="total">
          <dt>Total</dt>
          <dd>
            <Price minor={payableTotal(cart)} currency={cart.currency} />
          </dd>
        </div>
      </dl>
      {children}
      <a href="/cart" class="small">
        Back to cart
      </a>
    </aside>
  );
}

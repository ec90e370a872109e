import { useEffect, useRef } from 'preact/hooks';
import { formatDate } from '../format';
import type { PickRequest } from './api';

/**
 * A printable pick slip for one order: what to pick (SKU, item, size/variant, quantity, a box to
 * tick) and where it goes. warehouse.css prints only this (`@media print`); the buttons are not
 * printed.
 */
export function PickSlip({ request, onClose }: { request: PickRequest; onClose: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const address = request.shippingAddress;
  const units = request.lines.reduce((sum, line) => sum + line.quantity, 0);
  return (
    <article class="pick-slip" aria-labelledby="pick-slip-title" data-testid="pick-slip">
      <div class="pick-slip-actions no-print">
        <button type="button" class="btn btn-primary" onClick={() => window.print()}>
          Print
        </button>
        <button type="button" class="btn btn-secondary" onClick={onClose}>
          Back to the pick list
        </button>
      </div>
      <h1 id="pick-slip-title" tabIndex={-1} ref={heading}>
        Pick slip — order {request.orderId}
      </h1>
      <p>
        Placed {formatDate(request.createdAt)} · request {request.id} · {units}{' '}
        {units === 1 ? 'item' : 'items'}
      </p>
      <table class="data-table">
        <caption>Items to pick</caption>
        <thead>
          <tr>
            <th scope="col">Picked</th>
            <th scope="col">SKU</th>
            <th scope="col">Item</th>
            <th scope="col">Size / variant</th>
            <th scope="col" class="num">
              Qty
            </th>
          </tr>
        </thead>
        <tbody>
          {request.lines.map((line) => (
            <tr key={line.sku}>
              <td>
                <span class="tick-box" aria-hidden="true" />
              </td>
              <td>{line.sku}</td>
              <td>{line.name}</td>
              <td>{line.variantLabel ?? '—'}</td>
              <td class="num">{line.quantity}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Ship to</h2>
      <address class="ship-to">
        {address.name}
        <br />
        {address.line1}
        {address.line2 ? (
          <>
            <br />
            {address.line2}
          </>
        ) : null}
        <br />
        {address.city} {address.postalCode}
        <br />
        {address.country}
      </address>
    </article>
  );
}

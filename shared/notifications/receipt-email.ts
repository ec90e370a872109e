import type { OrderView, ShippingAddressView } from '../orders/orders.repository';
import type { EmailMessage } from './email-sender.port';

export interface OrderForEmail {
  id: string;
  email: string;
  name: string;
  createdAt: string;
  totalMinor: number;
  currency: string;
  lines: Array<{ name: string; quantity: number; unitPriceMinor: number; lineTotalMinor: number }>;
  shippingAddress: ShippingAddressView;
  payment: OrderView['payment'];
  carrier?: string;
  trackingNumber?: string;
}

export interface EmailRenderOptions {
  /** Shop name in subjects and sign-offs (default "Storefront"). */
  shopName?: string;
  /** BCP 47 locale for money and dates (default "en-GB"). */
  locale?: string;
}

const DEFAULT_SHOP = 'Storefront';
const DEFAULT_LOCALE = 'en-GB';

/** The order receipt: lines, total, shipping address, how it was paid. Id `receipt-<orderId>`. */
export function receiptEmail(order: OrderForEmail, options: EmailRenderOptions = {}): EmailMessage {
  const shop = options.shopName ?? DEFAULT_SHOP;
  const locale = options.locale ?? DEFAULT_LOCALE;
  const money = (minor: number) => formatMoney(minor, order.currency, locale);
  const placed = formatDate(order.createdAt, locale);
  const paidWith = describePayment(order.payment);
  const address = addressLines(order.shippingAddress);

  const text = [
    `Hi ${order.name},`,
    '',
    `Thank you for your order. This is your receipt.`,
    '',
    `Order: ${order.id}`,
    `Placed: ${placed}`,
    '',
    ...order.lines.map(
      (line) =>
        `${line.quantity} × ${line.name} @ ${money(line.unitPriceMinor)} = ${money(line.lineTotalMinor)}`,
    ),
    '',
    `Total: ${money(order.totalMinor)}`,
    ...(paidWith ? [`Paid with: ${paidWith}`] : []),
    '',
    'Shipping to:',
    ...address,
    '',
    `We will email you again when it ships.`,
    '',
    `— ${shop}`,
    '',
  ].join('\n');

  const rows = order.lines
    .map(
      (line) =>
        `<tr><td style="padding:4px 8px">${esc(line.name)}</td>` +
        `<td style="padding:4px 8px;text-align:right">${line.quantity}</td>` +
        `<td style="padding:4px 8px;text-align:right">${esc(money(line.unitPriceMinor))}</td>` +
        `<td style="padding:4px 8px;text-align:right">${esc(money(line.lineTotalMinor))}</td></tr>`,
    )
    .join('\n');
  const body = [
    `<p>Hi ${esc(order.name)},</p>`,
    `<p>Thank you for your order. This is your receipt.</p>`,
    `<p>Order <strong>${esc(order.id)}</strong><br>Placed ${esc(placed)}</p>`,
    '<table style="border-collapse:collapse">',
    '<thead><tr><th style="padding:4px 8px;text-align:left">Item</th>' +
      '<th style="padding:4px 8px;text-align:right">Qty</th>' +
      '<th style="padding:4px 8px;text-align:right">Price</th>' +
      '<th style="padding:4px 8px;text-align:right">Total</th></tr></thead>',
    `<tbody>\n${rows}\n</tbody>`,
    `<tfoot><tr><th colspan="3" style="padding:4px 8px;text-align:right">Total</th>` +
      `<th style="padding:4px 8px;text-align:right">${esc(money(order.totalMinor))}</th></tr></tfoot>`,
    '</table>',
    ...(paidWith ? [`<p>Paid with ${esc(paidWith)}</p>`] : []),
    `<p>Shipping to:<br>${address.map(esc).join('<br>')}</p>`,
    '<p>We will email you again when it ships.</p>',
    `<p>— ${esc(shop)}</p>`,
  ].join('\n');

  return {
    id: `receipt-${order.id}`,
    to: order.email,
    subject: `Your ${shop} receipt for order ${order.id}`,
    text,
    html: htmlDocument(`Receipt for order ${order.id}`, body),
  };
}

/** "Your order has shipped", with carrier and tracking number when known. Id `shipped-<orderId>`. */
export function shippingEmail(order: OrderForEmail, options: EmailRenderOptions = {}): EmailMessage {
  const shop = options.shopName ?? DEFAULT_SHOP;
  const address = addressLines(order.shippingAddress);
  const carrier = order.carrier?.trim();
  const tracking = order.trackingNumber?.trim();
  const trackingLine =
    carrier && tracking
      ? `${carrier} tracking number: ${tracking}`
      : tracking
        ? `Tracking number: ${tracking}`
        : carrier
          ? `Carrier: ${carrier}`
          : undefined;

  const text = [
    `Hi ${order.name},`,
    '',
    `Good news: your order ${order.id} has shipped.`,
    ...(trackingLine ? ['', trackingLine] : []),
    '',
    'In the parcel:',
    ...order.lines.map((line) => `${line.quantity} × ${line.name}`),
    '',
    'Shipping to:',
    ...address,
    '',
    `— ${shop}`,
    '',
  ].join('\n');

  const body = [
    `<p>Hi ${esc(order.name)},</p>`,
    `<p>Good news: your order <strong>${esc(order.id)}</strong> has shipped.</p>`,
    ...(trackingLine ? [`<p>${esc(trackingLine)}</p>`] : []),
    '<p>In the parcel:</p>',
    `<ul>\n${order.lines.map((line) => `<li>${line.quantity} × ${esc(line.name)}</li>`).join('\n')}\n</ul>`,
    `<p>Shipping to:<br>${address.map(esc).join('<br>')}</p>`,
    `<p>— ${esc(shop)}</p>`,
  ].join('\n');

  return {
    id: `shipped-${order.id}`,
    to: order.email,
    subject: `Your ${shop} order ${order.id} has shipped`,
    text,
    html: htmlDocument(`Order ${order.id} has shipped`, body),
  };
}

const moneyFormats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

/** Integer minor units -> "£19.99" / "¥1,500" (fraction digits from the currency: JPY 0, KWD 3). */
export function formatMoney(minor: number, currency: string, locale: string = DEFAULT_LOCALE): string {
  const key = `${locale}|${currency.toUpperCase()}`;
  let money = moneyFormats.get(key);
  if (!money) {
    const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
    // Read once: resolvedOptions() builds a fresh object on every call (a receipt formats ~10 amounts).
    money = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    moneyFormats.set(key, money);
  }
  return money.format.format(minor / 10 ** money.digits);
}

/**
 * "Visa ending 4242" / "PayPal". Only a brand and the last four digits ever reach an email: `last4`
 * is cut to its last four digits and long digit runs are removed from the brand.
 */
export function describePayment(payment: OrderForEmail['payment']): string | undefined {
  if (!payment) return undefined;
  const brand = (payment.brand ?? '').replace(/\d{5,}/g, '').trim();
  const last4 = (payment.last4 ?? '').replace(/\D/g, '').slice(-4);
  const provider = providerLabel(payment.provider);
  const card = brand ? capitalise(brand) : last4 ? 'Card' : '';
  if (card && last4.length === 4) return `${card} ending ${last4}`;
  if (card) return card;
  return provider || undefined;
}

function providerLabel(provider: string): string {
  const p = (provider ?? '').replace(/\d{5,}/g, '').trim();
  if (p.toLowerCase() === 'paypal') return 'PayPal';
  if (p.toLowerCase() === 'stripe') return 'Card';
  return capitalise(p);
}

function capitalise(value: string): string {
  return value ? value[0]!.toUpperCase() + value.slice(1) : value;
}

function addressLines(address: OrderForEmail['shippingAddress']): string[] {
  return [
    address.name,
    address.line1,
    address.line2,
    [address.postalCode, address.city].filter((part) => part?.trim()).join(' '),
    address.country,
  ]
    .map((line) => (line ?? '').trim())
    .filter((line) => line.length > 0);
}

// Building an Intl.DateTimeFormat costs far more than formatting with one: one per locale.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

function formatDate(iso: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
    dateFormats.set(locale, format);
  }
  return `${format.format(date)} UTC`;
}

function htmlDocument(title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${esc(title)}</title></head>`,
    '<body style="font-family:system-ui,sans-serif;line-height:1.4;color:#222">',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** HTML text/attribute escape. */
export function esc(value: string): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

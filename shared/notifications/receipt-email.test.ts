import { describe, expect, it } from 'vitest';
import {
  describePayment,
  formatMoney,
  type OrderForEmail,
  receiptEmail,
  shippingEmail,
} from './receipt-email';

const order = (overrides: Partial<OrderForEmail> = {}): OrderForEmail => ({
  id: 'ord_7Hq2',
  email: 'zoe@example.test',
  name: 'Zoë <Ünïcode>',
  createdAt: '2026-02-03T09:05:07Z',
  totalMinor: 4597,
  currency: 'EUR',
  lines: [
    { name: 'Espresso cups <set of 2>', quantity: 2, unitPriceMinor: 1299, lineTotalMinor: 2598 },
    { name: 'Beans & "Co" 1kg', quantity: 1, unitPriceMinor: 1999, lineTotalMinor: 1999 },
  ],
  shippingAddress: {
    name: 'Zoë <Ünïcode>',
    line1: '1 Rue <Script>',
    line2: '',
    city: 'Paris',
    postalCode: '75001',
    country: 'FR',
  },
  payment: { provider: 'stripe', brand: 'visa', last4: '4242' },
  ...overrides,
});

const stripTags = (html: string) => html.replace(/<[^>]*>/g, '');

describe('receiptEmail', () => {
  it('is addressed to the customer with a stable id', () => {
    const email = receiptEmail(order());
    expect(email.id).toBe('receipt-ord_7Hq2');
    expect(email.to).toBe('zoe@example.test');
    expect(email.subject).toBe('Your Storefront receipt for order ord_7Hq2');
    expect(receiptEmail(order(), { shopName: 'Bäckerei' }).subject).toBe(
      'Your Bäckerei receipt for order ord_7Hq2',
    );
  });

  it('lists every line and the total in both parts', () => {
    const email = receiptEmail(order());
    expect(email.text).toContain('Hi Zoë <Ünïcode>,');
    expect(email.text).toContain('2 × Espresso cups <set of 2> @ €12.99 = €25.98');
    expect(email.text).toContain('1 × Beans & "Co" 1kg @ €19.99 = €19.99');
    expect(email.text).toContain('Total: €45.97');
    expect(email.text).toContain('Placed: 3 February 2026 at 09:05 UTC');
    expect(email.text).toContain('Shipping to:\nZoë <Ünïcode>\n1 Rue <Script>\n75001 Paris\nFR\n');
    for (const amount of ['€12.99', '€25.98', '€19.99', '€45.97']) expect(email.html).toContain(amount);
    expect(email.html).toMatch(/^<!DOCTYPE html>/);
    expect(email.html).toContain('<meta charset="utf-8">');
  });

  it('escapes HTML from names, products and addresses', () => {
    const { html } = receiptEmail(order());
    expect(html).toContain('Hi Zoë &lt;Ünïcode&gt;,');
    expect(html).toContain('Espresso cups &lt;set of 2&gt;');
    expect(html).toContain('Beans &amp; &quot;Co&quot; 1kg');
    expect(html).toContain('1 Rue &lt;Script&gt;');
    expect(html).not.toMatch(/<(Ünïcode|set|Script)/i);
    // Only the template's own tags remain.
    const tags = new Set([...html.matchAll(/<\/?([a-zA-Z!]+)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].sort()).toEqual(
      [
        '!doctype',
        'body',
        'br',
        'head',
        'html',
        'meta',
        'p',
        'strong',
        'table',
        'tbody',
        'td',
        'tfoot',
        'th',
        'thead',
        'title',
        'tr',
      ].sort(),
    );
  });

  it('formats money from minor units with the currency digits', () => {
    expect(formatMoney(4597, 'EUR')).toBe('€45.97');
    expect(formatMoney(1500, 'JPY')).toBe('JP¥1,500'); // en-GB spells out the yen
    expect(formatMoney(1500, 'JPY', 'ja-JP')).toBe('￥1,500');
    expect(formatMoney(1234, 'KWD').replace(/\s/g, ' ')).toBe('KWD 1.234');
    expect(formatMoney(5, 'gbp')).toBe('£0.05');

    const yen = receiptEmail(
      order({
        currency: 'JPY',
        totalMinor: 4500,
        lines: [{ name: 'Tea', quantity: 3, unitPriceMinor: 1500, lineTotalMinor: 4500 }],
      }),
    );
    expect(yen.text).toContain('3 × Tea @ JP¥1,500 = JP¥4,500');
    expect(yen.text).toContain('Total: JP¥4,500');
    expect(yen.text).not.toContain('¥45');
  });

  it('shows the card brand and last four only — never a card number', () => {
    expect(receiptEmail(order()).text).toContain('Paid with: Visa ending 4242');
    const leaky = receiptEmail(
      order({
        payment: { provider: 'stripe', brand: 'visa 4242424242424242', last4: '4242 4242 4242 4242' },
      }),
    );
    for (const part of [leaky.text, leaky.html, stripTags(leaky.html)]) {
      expect(part.replace(/\s/g, '')).not.toMatch(/\d{6,}/);
    }
    expect(leaky.text).toContain('Paid with: Visa ending 4242');
    expect(receiptEmail(order({ payment: { provider: 'paypal' } })).text).toContain('Paid with: PayPal');
    expect(receiptEmail(order({ payment: null })).text).not.toContain('Paid with');
  });

  it('describePayment', () => {
    expect(describePayment({ provider: 'stripe', brand: 'mastercard', last4: '4444' })).toBe(
      'Mastercard ending 4444',
    );
    expect(describePayment({ provider: 'stripe', last4: '0005' })).toBe('Card ending 0005');
    expect(describePayment({ provider: 'stripe' })).toBe('Card');
    expect(describePayment({ provider: 'sandbox', brand: 'amex', last4: '12' })).toBe('Amex');
    expect(describePayment(null)).toBeUndefined();
  });
});

describe('shippingEmail', () => {
  it('has a stable id, the carrier and tracking number, the items and the address', () => {
    const email = shippingEmail(order({ carrier: 'DHL <Express>', trackingNumber: 'JD0146 0000 1234' }));
    expect(email.id).toBe('shipped-ord_7Hq2');
    expect(email.to).toBe('zoe@example.test');
    expect(email.subject).toBe('Your Storefront order ord_7Hq2 has shipped');
    expect(email.text).toContain('DHL <Express> tracking number: JD0146 0000 1234');
    expect(email.text).toContain('2 × Espresso cups <set of 2>');
    expect(email.text).toContain('75001 Paris');
    expect(email.html).toContain('DHL &lt;Express&gt; tracking number: JD0146 0000 1234');
    expect(email.html).toContain('<li>2 × Espresso cups &lt;set of 2&gt;</li>');
    expect(email.html).toContain('Hi Zoë &lt;Ünïcode&gt;,');
    expect(email.html).not.toContain('<Express>');
  });

  it('reads well without a carrier or tracking number, and never mentions the card', () => {
    const email = shippingEmail(order());
    expect(email.text).toContain('has shipped.');
    expect(email.text).not.toContain('tracking');
    expect(shippingEmail(order({ trackingNumber: 'T123' })).text).toContain('Tracking number: T123');
    expect(shippingEmail(order({ carrier: 'Royal Mail' })).text).toContain('Carrier: Royal Mail');
    expect(email.text).not.toContain('4242');
    expect(email.html).not.toContain('4242');
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { address, visa } from '../../../test/support/pay-now';
import { startTestShop, type TestShop } from '../../../test/support/test-shop';
import { checkoutRequestSchema, countryCodes } from '../../checkout/checkout-request';
import { validateChargeInput } from '../../payments/payment-input';
import { AppError } from '../errors';

// Fuzz suite for bad input through the whole shop (local host, real twins): NUL and other
// control characters in JSON fields and token claims, unassigned country codes, prototype
// keys in the query. Every case answers a clean 4xx problem+json with a code (or 200 where
// the input is sanitised at the boundary), never a 500, and leaves no partial state.

let shop: TestShop;

/** Every control character class that matters: NUL, C0 (tab, CR, LF, ESC), DEL, C1, Unicode separators. */
const controls = [
  '\u0000',
  '\t',
  '\r',
  '\n',
  '\r\n',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009b',
  '\u2028',
  '\u2029',
];

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function client(token: string) {
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${shop.url}/api/${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
  return {
    call,
    add: (productId: string, quantity: number) =>
      call(`cart/items/${productId}`, { method: 'PUT', body: JSON.stringify({ quantity }) }),
    pay: (body: unknown) =>
      call('checkout', {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'idempotency-key': randomUUID() },
      }),
  };
}

async function devToken(body: unknown): Promise<string> {
  const response = await fetch(`${shop.url}/api/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function expectProblem(
  response: Response,
  status: number,
  code: string,
  label = '',
): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect(response.status, `${label} ${text}`).toBe(status);
  expect(response.headers.get('content-type'), label).toBe('application/problem+json');
  const problem = JSON.parse(text) as Record<string, unknown>;
  expect(problem.code, label).toBe(code);
  return problem;
}

beforeAll(async () => {
  shop = await startTestShop({ products: 12 });
});
afterAll(async () => {
  await shop?.close();
});

describe('bad input fuzz: token claims', () => {
  it('a NUL and CR/LF in the name claim do not poison the user: /me and /cart answer 200, the row holds the cleaned name', async () => {
    const token = await devToken({ sub: 'nul-name', name: 'Mallory\u0000\r\nX-Evil: 1' });
    const user = client(token);
    for (let i = 0; i < 2; i++) {
      const me = await user.call('me');
      expect(me.status, await me.clone().text()).toBe(200);
      expect(await me.json()).toMatchObject({ userId: 'nul-name', name: 'Mallory X-Evil: 1' });
      const cart = await user.call('cart');
      expect(cart.status, await cart.clone().text()).toBe(200);
    }
    const row = await shop.services.sql.db
      .selectFrom('users')
      .select(['display_name', 'email'])
      .where('id', '=', 'nul-name')
      .executeTakeFirstOrThrow();
    expect(row.display_name).toBe('Mallory X-Evil: 1');
  });

  it('every control character in the name claim (seeded fuzz) gives 200 and a clean row', async () => {
    const next = random(0xc0de);
    for (let i = 0; i < controls.length; i++) {
      const sub = `ctl-${i}`;
      const at = Math.floor(next() * 5);
      const name = `${'Alice'.slice(0, at)}${controls[i]}${'Alice'.slice(at)}`;
      const me = await client(await devToken({ sub, name })).call('me');
      expect(me.status, JSON.stringify(name)).toBe(200);
      const row = await shop.services.sql.db
        .selectFrom('users')
        .select('display_name')
        .where('id', '=', sub)
        .executeTakeFirstOrThrow();
      expect(row.display_name.replace(/\s/g, ''), JSON.stringify(name)).toBe('Alice');
      expect(row.display_name, JSON.stringify(name)).not.toMatch(/[\r\n\t\u2028\u2029]/);
      expect(
        [...row.display_name].every(
          (c) => c.charCodeAt(0) >= 0x20 && (c.charCodeAt(0) < 0x7f || c.charCodeAt(0) > 0x9f),
        ),
      ).toBe(true);
    }
  });
});

describe('bad input fuzz: Pay Now fields', () => {
  const shopper = 'fuzz-payer';
  let user: ReturnType<typeof client>;
  let sku: string;

  const state = async () => ({
    orders: await shop.services.sql.db
      .selectFrom('orders')
      .select('id')
      .where('user_id', '=', shopper)
      .execute(),
    stock: await shop.services.sql.db
      .selectFrom('inventory')
      .select(['on_hand', 'held'])
      .where('sku', '=', sku)
      .executeTakeFirstOrThrow(),
  });

  beforeAll(async () => {
    user = client(await shop.token(shopper));
    const product = shop.products[3]!;
    sku = product.sku;
    expect((await user.add(product.id, 1)).status).toBe(200);
  });

  it('a NUL in the shipping name is 400 validation_failed naming the field, and nothing is written', async () => {
    const before = await state();
    const problem = await expectProblem(
      await user.pay({ shippingAddress: { ...address, name: 'Ada\u0000Lovelace' }, payment: visa }),
      400,
      'validation_failed',
    );
    expect(Object.keys(problem.errors as object)).toEqual(['shippingAddress.name']);
    expect(await state()).toEqual(before);
  });

  it('CR/LF inside single-line fields are 400, for every free-text field', async () => {
    for (const field of ['name', 'line1', 'line2', 'city'] as const) {
      const problem = await expectProblem(
        await user.pay({
          shippingAddress: { ...address, [field]: 'Line one\r\nBcc: x@example.com' },
          payment: visa,
        }),
        400,
        'validation_failed',
        field,
      );
      expect(Object.keys(problem.errors as object), field).toEqual([`shippingAddress.${field}`]);
    }
  });

  it('reserved and user-assigned country codes (ZZ, EU, UK, XK, EZ, UN, AA) are 400; assigned ones in any case pass the schema', async () => {
    for (const country of ['ZZ', 'EU', 'UK', 'XK', 'EZ', 'UN', 'AA', 'QO', 'zz', 'G', 'GBR', 'G\u0000']) {
      const problem = await expectProblem(
        await user.pay({ shippingAddress: { ...address, country }, payment: visa }),
        400,
        'validation_failed',
        country,
      );
      expect(Object.keys(problem.errors as object), country).toEqual(['shippingAddress.country']);
    }
    for (const country of ['GB', 'us', ' de ', 'AX', 'SS', 'BQ']) {
      expect(
        checkoutRequestSchema.safeParse({ shippingAddress: { ...address, country }, payment: visa }).success,
        country,
      ).toBe(true);
    }
    expect(countryCodes.size).toBe(249);
  });

  it('random control characters in random fields (seeded fuzz) are always 400, never 500, and leave no order behind', async () => {
    const before = await state();
    const next = random(0xfa11);
    const fields = ['name', 'line1', 'line2', 'city', 'postalCode', 'country'] as const;
    for (let i = 0; i < 30; i++) {
      const field = fields[Math.floor(next() * fields.length)]!;
      const control = controls[Math.floor(next() * controls.length)]!;
      // Inside the value: leading and trailing whitespace (CR/LF, tab) is trimmed, by design.
      const value = String(address[field] || 'Flat 2');
      const at = 1 + Math.floor(next() * (value.length - 1));
      const poisoned = `${value.slice(0, at)}${control}${value.slice(at)}`;
      const response = await user.pay({ shippingAddress: { ...address, [field]: poisoned }, payment: visa });
      await expectProblem(response, 400, 'validation_failed', `${field}=${JSON.stringify(poisoned)}`);
    }
    // A NUL or newline in the payment method id too.
    for (const paymentMethodId of ['pm_card_visa\u0000', 'pm_card\nvisa']) {
      await expectProblem(
        await user.pay({ shippingAddress: address, payment: { provider: 'stripe', paymentMethodId } }),
        400,
        'validation_failed',
        JSON.stringify(paymentMethodId),
      );
    }
    expect(await state()).toEqual(before);
  });

  it('the gateway boundary refuses control characters in ids as well (400, nothing charged)', () => {
    for (const input of [
      { orderId: 'o-1\u0000', method: { provider: 'stripe', paymentMethodId: 'pm_card_visa' } },
      { orderId: 'o-1', method: { provider: 'stripe', paymentMethodId: 'pm_card_visa\r\n' } },
      { orderId: 'o-1', method: { provider: 'paypal', orderId: 'PAY\u0000PAL' } },
    ]) {
      let error: unknown;
      try {
        validateChargeInput({ amountMinor: 100, currency: 'EUR', ...input } as never);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(input)).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
    }
  });
});

describe('bad input fuzz: query parameters', () => {
  it('/search?__proto__=x is 400 like any other unknown parameter (it was silently ignored)', async () => {
    for (const name of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
      const problem = await expectProblem(
        await fetch(`${shop.url}/api/search?${name}=x`),
        400,
        'validation_failed',
        name,
      );
      expect(Object.keys(problem.errors as object), name).toEqual([name]);
    }
    expect((await fetch(`${shop.url}/api/search?q=x`)).status).toBe(200);
  });

  it('bad percent-escapes and control characters in query values are 4xx or ignored safely, never 500', async () => {
    for (const query of [
      'q=%',
      'q=%E0%A4%A',
      'q=%00',
      'q=a%0D%0Ab',
      'category=%00',
      '%=1',
      '__proto__%5Bx%5D=1',
    ]) {
      const response = await fetch(`${shop.url}/api/search?${query}`);
      expect(response.status, query).toBeLessThan(500);
      const products = await fetch(`${shop.url}/api/products?${query}`);
      expect(products.status, query).toBeLessThan(500);
    }
  });
});

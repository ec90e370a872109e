/**
 * The storefront's shipping-address checks against the API's schema (no browser needed): the
 * form must refuse what the server refuses, with the server's words, and accept what it accepts.
 */
import { describe, expect, it } from 'vitest';
import { checkoutRequestSchema } from '../../shared/checkout/checkout-request';
import { postalCodeMessage } from '../../shared/checkout/postal-code';
import { validateAddress } from '../../web/src/checkout/shipping-address';

const address = { name: 'Ada Lovelace', line1: '1 Main St', line2: '', city: 'London', country: 'GB' };

/** The server's message for the postal code, or undefined when it accepts it. */
function serverSays(postalCode: string): string | undefined {
  const parsed = checkoutRequestSchema.safeParse({
    shippingAddress: { ...address, postalCode },
    payment: { provider: 'stripe', paymentMethodId: 'pm_card_visa' },
  });
  if (parsed.success) return undefined;
  return parsed.error.issues.find((issue) => issue.path.join('.') === 'shippingAddress.postalCode')?.message;
}

function clientSays(postalCode: string): string | undefined {
  return validateAddress({ ...address, postalCode }).postalCode;
}

describe('checkout address rules: the web form and the API agree', () => {
  it('a postal code of 11 characters is refused by both, with the same message; 10 is accepted by both', () => {
    const eleven = 'ABCDE-FGHIJ';
    expect(eleven).toHaveLength(11);
    expect(serverSays(eleven)).toBe(postalCodeMessage);
    expect(clientSays(eleven)).toBe(postalCodeMessage);
    const ten = 'ABCDE-FGHI';
    expect(serverSays(ten)).toBeUndefined();
    expect(clientSays(ten)).toBeUndefined();
  });

  it('the same verdict for every length from 1 to 12 and for leading dashes, spaces and other characters', () => {
    const samples = [
      ...Array.from({ length: 12 }, (_, i) => 'A1B2C3D4E5F6'.slice(0, i + 1)),
      ' SW1A 1AA ',
      'SW1A 1AA',
      '-12345',
      ' 12345',
      '12_345',
      '123.45',
      'ÄB 12',
      '90210-1234',
      '1',
    ];
    for (const postalCode of samples) {
      const server = serverSays(postalCode);
      const client = clientSays(postalCode);
      expect({ postalCode, refused: client !== undefined }).toEqual({
        postalCode,
        refused: server !== undefined,
      });
      if (server !== undefined && postalCode.trim() !== '') expect(client).toBe(server);
    }
  });

  it('an empty postal code is refused by both (the form asks for it in its own words)', () => {
    expect(serverSays('   ')).toBe(postalCodeMessage);
    expect(clientSays('   ')).toBe('Enter the postal code.');
  });
});

import { describe, expect, it } from 'vitest';
import { MalformedEventError, readEvent } from './integration-events';
import { newEvent } from './outbox';

// The body as checkout has written it to the outbox since the first release (d0de0b7): messages
// already in an outbox or on a subscription must keep parsing.
const paidOnTheWire = {
  eventId: '5d2c1f7e-52b1-4f0e-9d43-1b7a0f3c9a10',
  type: 'OrderPaid',
  orderId: 'ord_1',
  userId: 'user-1',
  totalMinor: 2598,
  currency: 'GBP',
  paidAt: '2026-11-22T10:00:00.000Z',
  lines: [{ productId: 'p-1', sku: 'SKU-1', quantity: 2 }],
};
const shippedOnTheWire = {
  eventId: '0b8d2f5a-5b0c-4a55-9d1e-7d0d6b3e2f11',
  type: 'OrderShipped',
  orderId: 'ord_1',
  carrier: 'Royal Mail',
  trackingNumber: null,
};

/** What a consumer receives: the body as the relay publishes it (JSON of the outbox row). */
const received = (body: unknown): unknown =>
  body === undefined ? undefined : JSON.parse(JSON.stringify(body));

describe('integration events', () => {
  it('reads the wire format written so far, for the types a consumer accepts', () => {
    expect(readEvent(received(paidOnTheWire), ['OrderPaid'])).toEqual(paidOnTheWire);
    expect(readEvent(received(shippedOnTheWire), ['OrderPaid', 'OrderShipped'])).toEqual(shippedOnTheWire);
  });

  it('newEvent writes that same format: the event id and name, then the fields', () => {
    const { eventId: _, type: __, ...fields } = paidOnTheWire;
    const event = newEvent('orders', 'OrderPaid', 'ord_1', fields);
    expect(event).toMatchObject({ topic: 'orders', type: 'OrderPaid', correlationId: 'ord_1' });
    expect(event.body).toEqual({ ...paidOnTheWire, eventId: event.id });
    expect(Object.keys(event.body).slice(0, 2)).toEqual(['eventId', 'type']);
    expect(readEvent(received(event.body), ['OrderPaid'])).toEqual(event.body);
  });

  it('passes over a well-formed event the consumer does not take, and one of a type it does not know', () => {
    expect(readEvent(received(shippedOnTheWire), ['OrderPaid'])).toBeUndefined();
    expect(
      readEvent({ eventId: 'e-9', type: 'OrderRefunded', orderId: 'ord_1' }, ['OrderPaid']),
    ).toBeUndefined();
  });

  it('ignores fields it does not know (a newer producer may add some)', () => {
    expect(readEvent({ ...paidOnTheWire, couponCode: 'X' }, ['OrderPaid'])).toEqual(paidOnTheWire);
  });

  it.each([
    {
      what: 'a line without its SKU',
      body: { ...paidOnTheWire, lines: [{ productId: 'p-1', quantity: 2 }] },
      reason: /^Malformed OrderPaid event 5d2c1f7e-52b1-4f0e-9d43-1b7a0f3c9a10: lines\.0\.sku: /,
    },
    {
      what: 'no lines and a fractional total',
      body: { ...paidOnTheWire, lines: [], totalMinor: 25.98 },
      reason: /^Malformed OrderPaid event \S+: totalMinor: .*; lines: /,
    },
    {
      what: 'no event id',
      body: { ...shippedOnTheWire, eventId: undefined },
      reason: /^Malformed OrderShipped event \(no eventId\): eventId: /,
    },
    {
      what: 'a shipment without its carrier field',
      body: { ...shippedOnTheWire, carrier: undefined },
      reason: /^Malformed OrderShipped event \S+: carrier: /,
    },
    { what: 'no type', body: { eventId: 'e-1', orderId: 'ord_1' }, reason: /not an event/ },
    { what: 'not an object', body: 'OrderPaid', reason: /not an event/ },
    { what: 'nothing', body: undefined, reason: /not an event/ },
  ])('refuses $what with a reason naming the event and the fields', ({ body, reason }) => {
    const read = () => readEvent(received(body), ['OrderPaid', 'OrderShipped']);
    expect(read).toThrow(MalformedEventError);
    expect(read).toThrow(reason);
  });
});

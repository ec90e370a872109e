import * as z from 'zod';

/**
 * The events the shop publishes, declared once: the producers build them with `newEvent`
 * (outbox.ts), whose body type follows the event's name, and every consumer reads its message
 * with `readEvent`, which checks it against the same declaration.
 *
 * Wire format (unchanged since the first release, so messages already in an outbox or on a
 * subscription still parse): the message body is `{ eventId, type, ...fields }`, with
 * `subject` = `type` and `messageId` = `eventId`. There is no version field: a change that
 * only adds an optional field keeps the name (readers drop fields they do not know); a change
 * that would break a reader is a new event name, published beside the old one until every
 * consumer reads the new one.
 */

const id = z.string().min(1);

const orderPaid = z.object({
  eventId: id,
  type: z.literal('OrderPaid'),
  orderId: id,
  userId: id,
  totalMinor: z.number().int().nonnegative(),
  currency: z.string().length(3),
  paidAt: z.iso.datetime(),
  lines: z.array(z.object({ productId: id, sku: id, quantity: z.number().int().positive() })).min(1),
});

const orderShipped = z.object({
  eventId: id,
  type: z.literal('OrderShipped'),
  orderId: id,
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
});

const integrationEvent = z.discriminatedUnion('type', [orderPaid, orderShipped]);

/** An order was paid: its stock is sold, a receipt is due, the warehouse should pick it. */
export type OrderPaid = z.infer<typeof orderPaid>;
/** A warehouse marked the order shipped: the shipping email is due. */
export type OrderShipped = z.infer<typeof orderShipped>;
export type IntegrationEvent = z.infer<typeof integrationEvent>;
export type EventType = IntegrationEvent['type'];
// An indexed type rather than Extract<...>: it keeps DomainEvent<'OrderPaid'> assignable to DomainEvent.
type EventsByType = { [E in IntegrationEvent as E['type']]: E };
export type EventOf<T extends EventType> = EventsByType[T];
/** What a producer gives `newEvent`: the body without the id and name it adds itself. */
export type EventFields<T extends EventType> = Omit<EventOf<T>, 'eventId' | 'type'>;

/** The topic each event is published to (one topology: event-bus.port.ts). */
export const eventTopics = {
  OrderPaid: 'orders',
  OrderShipped: 'orders',
} as const satisfies Record<EventType, string>;

export type TopicOf<T extends EventType> = (typeof eventTopics)[T];

/**
 * A message no consumer can act on: not an event, or an event whose body does not match its
 * declaration. Thrown by `readEvent` before any work, so the message fails (and, once its
 * tries are used up, is dead-lettered) with this message as the reason.
 */
export class MalformedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedEventError';
  }
}

/**
 * Reads a received message body as one of the events `accepts`. Undefined for a well-formed
 * event of another type, or of a type this code does not know (a newer producer's: the
 * subscriptions receive every event of their topic). Throws MalformedEventError, naming the
 * event and the offending fields, for anything else.
 */
export function readEvent<const T extends EventType>(
  body: unknown,
  accepts: readonly T[],
): EventOf<T> | undefined {
  const type = typeof body === 'object' && body !== null ? (body as { type?: unknown }).type : undefined;
  if (typeof type !== 'string' || type === '')
    throw new MalformedEventError('Malformed message: not an event (its body has no `type`)');
  if (!(accepts as readonly string[]).includes(type)) return undefined; // another consumer's, or unknown
  const parsed = integrationEvent.safeParse(body);
  if (!parsed.success) {
    const eventId = (body as { eventId?: unknown }).eventId;
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
      .join('; ');
    throw new MalformedEventError(
      `Malformed ${type} event ${typeof eventId === 'string' ? eventId : '(no eventId)'}: ${problems}`,
    );
  }
  return parsed.data as EventOf<T>;
}

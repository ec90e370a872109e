import { InvocationContext } from '@azure/functions';
import type { ServiceBusMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { allFunctions } from './definitions';
import { registerAll, serviceBusConnection } from './register';

function recordingApp() {
  const calls: Array<{ kind: string; name: string; options: Record<string, unknown> }> = [];
  const record = (kind: string) => (name: string, options: Record<string, unknown>) => {
    calls.push({ kind, name, options });
  };
  return {
    calls,
    app: { http: record('http'), timer: record('timer'), serviceBusTopic: record('serviceBusTopic') },
  };
}

describe('Azure entry registration', () => {
  it('registers every definition except local-only ones, with its route, methods and trigger', () => {
    const { calls, app } = recordingApp();
    registerAll(app as never, allFunctions);
    const names = calls.map((c) => c.name);
    const expected = allFunctions.filter((d) => !(d.kind === 'http' && d.localOnly)).map((d) => d.name);
    expect(names).toEqual(expected);
    expect(names).not.toContain('dev-token');
    expect(names).not.toContain('dev-jwks');
    const product = calls.find((c) => c.name === 'get-product')!;
    expect(product.options).toMatchObject({
      route: 'products/{id}',
      methods: ['GET'],
      authLevel: 'anonymous',
    });
    expect(new Set(names).size).toBe(names.length); // function names are unique
  });

  it('binds topic triggers to the identity-based Service Bus connection', () => {
    const { calls, app } = recordingApp();
    registerAll(app as never, [
      { kind: 'topic', name: 't', topic: 'orders', subscription: 'receipts', handler: async () => {} },
      { kind: 'timer', name: 'tm', schedule: '0 */1 * * * *', handler: async () => {} },
    ]);
    expect(calls).toEqual([
      {
        kind: 'serviceBusTopic',
        name: 't',
        options: expect.objectContaining({
          connection: serviceBusConnection,
          topicName: 'orders',
          subscriptionName: 'receipts',
        }),
      },
      {
        kind: 'timer',
        name: 'tm',
        options: expect.objectContaining({ schedule: '0 */1 * * * *', runOnStartup: false }),
      },
    ]);
  });

  it('registers topic handlers with the backoff: a failed try schedules a copy instead of throwing (fake sender: no Service Bus here)', async () => {
    const { calls, app } = recordingApp();
    const sent: Array<{ topic: string; message: ServiceBusMessage }> = [];
    let fail = true;
    registerAll(
      app as never,
      [
        {
          kind: 'topic',
          name: 't',
          topic: 'orders',
          subscription: 'receipts',
          handler: async () => {
            if (fail) throw new Error('down');
          },
        },
      ],
      { send: async (topic, message) => void sent.push({ topic, message }) },
    );
    const registered = calls[0]!.options.handler as (m: unknown, c: InvocationContext) => Promise<void>;
    const context = new InvocationContext({
      functionName: 't',
      triggerMetadata: { messageId: 'evt-9', applicationProperties: {} },
      logHandler: () => {},
    });
    await registered({ eventId: 'evt-9' }, context);
    expect(sent).toEqual([
      {
        topic: 'orders',
        message: expect.objectContaining({
          body: { eventId: 'evt-9' },
          applicationProperties: expect.objectContaining({
            originalMessageId: 'evt-9',
            redeliveryAttempt: 1,
          }),
        }),
      },
    ]);
    fail = false;
    await registered({ eventId: 'evt-9' }, context);
    expect(sent).toHaveLength(1);
  });

  it('has no two HTTP functions on the same route and method', () => {
    const seen = new Set<string>();
    for (const d of allFunctions) {
      if (d.kind !== 'http') continue;
      for (const method of d.methods) {
        const key = `${method} ${d.route.replace(/\{[^}]+\}/g, '{}')}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    }
  });
});

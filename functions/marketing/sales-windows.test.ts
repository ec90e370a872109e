import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import bundledCalendar from '../../bicep/sales-calendar.json';
import { MemoryCapacityTarget } from '../../shared/scaling/memory-capacity-target';
import type { SalesCalendarFile } from '../../shared/scaling/sales-calendar';
import { SEED_AUTHOR } from '../../shared/scaling/sales-windows.service';
import { forgetLastReadWindows, useCapacityTarget } from '../../shared/scaling/scale-scheduler';
import { pgliteAndPostgres } from '../../test/support/postgres';
import { startTestShop, type TestShop } from '../../test/support/test-shop';
import { scaleSchedulerFunction } from '../ops/scale-scheduler.function';

const DAY = 86_400_000;
const file = bundledCalendar as SalesCalendarFile;

/** `YYYY-MM-DDT12:00`, `days` from today (noon: never in a daylight-saving gap). */
function noonIn(days: number): string {
  return `${new Date(Date.now() + days * DAY).toISOString().slice(0, 10)}T12:00`;
}

function window(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Summer Sale',
    start: noonIn(40),
    end: noonIn(41),
    timeZone: 'Europe/London',
    expectedPeakRps: 600,
    ...overrides,
  };
}

const timer: Timer = {
  isPastDue: false,
  schedule: { adjustForDST: false },
  scheduleStatus: undefined as never,
};

for (const target of pgliteAndPostgres()) {
  describe.skipIf(target.skipReason)(`marketing sales windows API (${target.name})`, () => {
    let shop: TestShop;
    let marketer: string;
    let admin: string;
    let shopper: string;
    const api = (path: string, token: string | undefined, init: RequestInit = {}) =>
      fetch(`${shop.url}/api/marketing/${path}`, {
        ...init,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'content-type': 'application/json',
          ...(init.headers ?? {}),
        },
      });
    const post = (token: string, body: unknown) =>
      api('sales-windows', token, { method: 'POST', body: JSON.stringify(body) });
    const changeCount = async () =>
      Number(
        (
          await shop.services.sql.db
            .selectFrom('sales_window_changes')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );

    beforeAll(async () => {
      shop = await startTestShop({ products: 0, env: (await target.env()) ?? {} });
      [marketer, admin, shopper] = await Promise.all([
        shop.token('mia', ['marketing']),
        shop.token('ada', ['admin']),
        shop.token('sam', ['shopper']),
      ]);
    });
    afterAll(async () => {
      await shop?.close();
    });
    afterEach(() => {
      vi.useRealTimers();
      useCapacityTarget(undefined);
      forgetLastReadWindows();
    });

    it('is seeded from bicep/sales-calendar.json on first use: every window, past ones listed last as history', async () => {
      const response = await api('sales-windows', marketer);
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        windows: Array<{ name: string; status: string; changedBy: string; capacity?: unknown }>;
        changes: Array<{ action: string; changedBy: string }>;
        baseline: unknown;
      };
      expect(body.windows.map((w) => w.name).sort()).toEqual(file.windows.map((w) => w.name).sort());
      const statuses = body.windows.map((w) => w.status);
      // Upcoming (and running) first, then the past: history, never an error.
      expect(statuses.indexOf('past')).toBeGreaterThan(-1);
      expect(statuses.slice(statuses.indexOf('past')).every((s) => s === 'past')).toBe(true);
      expect(body.windows.every((w) => w.changedBy === SEED_AUTHOR && w.capacity)).toBe(true);
      expect(body.changes).toHaveLength(file.windows.length);
      expect(body.changes.every((c) => c.action === 'seeded')).toBe(true);
      expect(body.baseline).toEqual(file.policy.baseline);
    });

    it('refuses a caller who is not signed in (401) or lacks the role (403), and changes nothing', async () => {
      const before = await changeCount();
      const { windows } = (await (await api('sales-windows', marketer)).json()) as {
        windows: Array<{ id: string }>;
      };
      const id = windows[0]!.id;
      const calls: Array<[string, RequestInit]> = [
        ['sales-windows', {}],
        ['sales-windows', { method: 'POST', body: JSON.stringify(window({ name: 'Sneaky' })) }],
        [`sales-windows/${id}`, { method: 'PUT', body: JSON.stringify(window({ name: 'Sneaky' })) }],
        [`sales-windows/${id}`, { method: 'DELETE' }],
        ['capacity-plan', {}],
      ];
      for (const [path, init] of calls) {
        const anonymous = await api(path, undefined, init);
        expect(anonymous.status, `${init.method ?? 'GET'} ${path} anonymous`).toBe(401);
        const refused = await api(path, shopper, init);
        expect(refused.status, `${init.method ?? 'GET'} ${path} shopper`).toBe(403);
        expect(refused.headers.get('content-type')).toContain('application/problem+json');
        expect(await refused.json()).toMatchObject({ code: 'forbidden' });
      }
      expect(await changeCount()).toBe(before);
      expect((await api('sales-windows', admin)).status).toBe(200);
    });

    it('books a window, sized by the policy, and records who and when', async () => {
      const response = await post(marketer, window());
      expect(response.status).toBe(201);
      const created = (await response.json()) as Record<string, unknown>;
      expect(response.headers.get('location')).toBe(`/api/marketing/sales-windows/${created.id}`);
      expect(created).toMatchObject({
        name: 'Summer Sale',
        timeZone: 'Europe/London',
        expectedPeakRps: 600,
        status: 'upcoming',
        version: 1,
        changedBy: 'mia@example.test (mia)',
        capacity: {
          alwaysReadyInstances: 12,
          maximumInstanceCount: 40,
          cosmosMaxThroughput: 3000,
          sqlVCores: 6,
        },
      });
      const audit = await shop.services.sql.db
        .selectFrom('sales_window_changes')
        .selectAll()
        .where('window_id', '=', String(created.id))
        .execute();
      expect(audit).toEqual([
        expect.objectContaining({ action: 'created', version: 1, changed_by: 'mia@example.test (mia)' }),
      ]);
      expect(Date.now() - new Date(audit[0]!.changed_at).getTime()).toBeLessThan(60_000);
    });

    it('answers 422 with per-field errors for overlaps and impossible values, and writes nothing', async () => {
      const before = await changeCount();
      const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
        [
          'an overlap',
          { name: 'Clash', start: `${noonIn(40).slice(0, 10)}T18:00` },
          'start',
          /overlaps 'Summer Sale'/,
        ],
        ['the same name', { start: noonIn(50), end: noonIn(51) }, 'name', /already called 'Summer Sale'/],
        [
          'end before start',
          { name: 'Backwards', start: noonIn(61), end: noonIn(60) },
          'end',
          /end must be after start/,
        ],
        ['a start in the past', { name: 'Late', start: noonIn(-2), end: noonIn(70) }, 'start', /in the past/],
        [
          'no peak',
          { name: 'Zero', start: noonIn(80), end: noonIn(81), expectedPeakRps: 0 },
          'expectedPeakRps',
          /more than 0/,
        ],
        [
          'a peak beyond the limits',
          { name: 'Huge', start: noonIn(90), end: noonIn(91), expectedPeakRps: 5000 },
          'expectedPeakRps',
          /capacity out of bounds/,
        ],
        [
          'an unknown zone',
          { name: 'Nowhere', start: noonIn(95), end: noonIn(96), timeZone: 'Mars/Olympus' },
          'timeZone',
          /unknown time zone/,
        ],
        [
          'a malformed time',
          { name: 'Vague', start: 'next friday', end: noonIn(100) },
          'start',
          /YYYY-MM-DDTHH:mm/,
        ],
        ['no name', { name: ' ', start: noonIn(110), end: noonIn(111) }, 'name', /required/],
      ];
      for (const [what, overrides, field, message] of cases) {
        const response = await post(marketer, window(overrides));
        expect(response.status, what).toBe(422);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        const problem = (await response.json()) as { code: string; errors: Record<string, string[]> };
        expect(problem.code, what).toBe('invalid_sales_window');
        expect(problem.errors[field]?.join(' '), what).toMatch(message);
      }
      expect(await changeCount()).toBe(before);
    });

    it('edits a window (optimistically, by version) and deletes it, keeping every change in the history', async () => {
      const created = (await (
        await post(marketer, window({ name: 'Autumn', start: noonIn(120), end: noonIn(121) }))
      ).json()) as {
        id: string;
      };
      const edit = await api(`sales-windows/${created.id}`, admin, {
        method: 'PUT',
        body: JSON.stringify(
          window({ name: 'Autumn', start: noonIn(120), end: noonIn(122), expectedPeakRps: 300, version: 1 }),
        ),
      });
      expect(edit.status).toBe(200);
      expect(await edit.json()).toMatchObject({
        version: 2,
        expectedPeakRps: 300,
        changedBy: 'ada@example.test (ada)',
      });
      const stale = await api(`sales-windows/${created.id}`, marketer, {
        method: 'PUT',
        body: JSON.stringify(window({ name: 'Autumn', start: noonIn(120), end: noonIn(121), version: 1 })),
      });
      expect(stale.status).toBe(409);
      expect(await stale.json()).toMatchObject({ code: 'version_conflict' });

      const past = (
        (await (await api('sales-windows', marketer)).json()) as {
          windows: Array<{ id: string; status: string }>;
        }
      ).windows.find((w) => w.status === 'past')!;
      const history = await api(`sales-windows/${past.id}`, marketer, {
        method: 'PUT',
        body: JSON.stringify(window({ name: 'Rewrite' })),
      });
      expect(history.status).toBe(409);
      expect(await history.json()).toMatchObject({ code: 'sales_window_ended' });

      expect((await api(`sales-windows/${created.id}`, marketer, { method: 'DELETE' })).status).toBe(204);
      expect((await api(`sales-windows/${created.id}`, marketer, { method: 'DELETE' })).status).toBe(404);
      const listing = (await (await api('sales-windows', marketer)).json()) as {
        windows: Array<{ id: string }>;
        changes: Array<{
          windowId: string;
          action: string;
          version: number;
          expectedPeakRps: number;
          changedBy: string;
        }>;
      };
      expect(listing.windows.map((w) => w.id)).not.toContain(created.id);
      expect(listing.changes.filter((c) => c.windowId === created.id)).toEqual([
        expect.objectContaining({
          action: 'deleted',
          version: 3,
          expectedPeakRps: 300,
          changedBy: 'mia@example.test (mia)',
        }),
        expect.objectContaining({
          action: 'updated',
          version: 2,
          expectedPeakRps: 300,
          changedBy: 'ada@example.test (ada)',
        }),
        expect.objectContaining({
          action: 'created',
          version: 1,
          expectedPeakRps: 600,
          changedBy: 'mia@example.test (mia)',
        }),
      ]);
    });

    it('plans capacity over time beside what is deployed now (the baseline here: no target configured)', async () => {
      const from = new Date(Date.now() + 39 * DAY).toISOString();
      const to = new Date(Date.now() + 43 * DAY).toISOString();
      const response = await api(`capacity-plan?from=${from}&to=${to}`, marketer);
      expect(response.status).toBe(200);
      const plan = (await response.json()) as {
        steps: Array<{ at: string; capacity: Record<string, number>; active: Array<{ name: string }> }>;
        deployed: { source: string; capacity: unknown };
        windows: Array<{ name: string }>;
      };
      expect(plan.deployed).toEqual({
        source: expect.stringMatching(/baseline/),
        capacity: file.policy.baseline,
      });
      expect(plan.steps[0]!.capacity).toEqual(file.policy.baseline);
      const peak = plan.steps.find((step) => step.capacity.alwaysReadyInstances === 12);
      expect(peak?.active.map((a) => a.name)).toEqual(['Summer Sale']);
      expect(plan.steps.at(-1)!.capacity).toEqual(file.policy.baseline);
      expect(plan.windows.map((w) => w.name)).toEqual(['Summer Sale']);

      const backwards = await api(`capacity-plan?from=${to}&to=${from}`, marketer);
      expect(backwards.status).toBe(400);
      expect(await backwards.json()).toMatchObject({ errors: { to: ['must be after from'] } });
    });

    it('the scale-scheduler plans a window added through the API at its next tick, no rebuild (capacity target fake: Azure-only)', async () => {
      const created = (await (
        await post(
          marketer,
          window({ name: 'Flash Sale', start: noonIn(150), end: noonIn(151), expectedPeakRps: 400 }),
        )
      ).json()) as { startsAt: string };
      const fake = new MemoryCapacityTarget(file.policy.baseline);
      useCapacityTarget(fake);
      const lines: string[] = [];
      const context = new InvocationContext({
        invocationId: 'tick',
        functionName: 'scale-scheduler',
        logHandler: (level, ...args) => lines.push(`${level}: ${args.join(' ')}`),
      });
      // The next tick is an hour into the sale: the timer function itself, as Azure runs it.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date(Date.parse(created.startsAt) + 3_600_000));
      await scaleSchedulerFunction.handler(timer, context);
      expect(fake.applied).toEqual([
        { alwaysReadyInstances: 8, maximumInstanceCount: 40, cosmosMaxThroughput: 2000, sqlVCores: 4 },
      ]);
      expect(lines.join('\n')).toMatch(/changed Functions, Cosmos, SQL .* for Flash Sale \(sale\)/);
      expect(lines.join('\n')).not.toMatch(/warning/);
      // The page's "deployed now" is the target's answer.
      vi.useRealTimers();
      const plan = (await (await api('capacity-plan', marketer)).json()) as { deployed: unknown };
      expect(plan.deployed).toEqual({ source: fake.description, capacity: fake.applied[0] });
    });
  });
}

import type { HttpRequest } from '@azure/functions';
import * as z from 'zod';
import { signedIn } from '../../shared/identity/require-principal';
import { validationFailed } from '../../shared/platform/errors';
import { httpFunction } from '../../shared/platform/function-definition';
import { json, queryObject, readJson, zodFieldErrors } from '../../shared/platform/http';
import { services } from '../../shared/platform/services';
import { auditName, marketingRoles } from '../../shared/scaling/marketing-access';
import {
  capacityPlanBetween,
  createSalesWindow,
  type DeployedCapacity,
  deleteSalesWindow,
  listSalesWindows,
  type SalesWindowsContext,
  updateSalesWindow,
} from '../../shared/scaling/sales-windows.service';
import { calendarFile, configuredCapacityTarget } from '../../shared/scaling/scale-scheduler';

// Marketing's sales calendar (docs/api.md, "Marketing"): the role is checked before anything is
// read or changed; the logic is in shared/scaling/sales-windows.service.ts.

async function marketing(request: HttpRequest): Promise<SalesWindowsContext> {
  const s = await services();
  const principal = await signedIn(request, s, marketingRoles);
  return { db: s.sql.db, file: calendarFile(s.config.scaling), now: new Date(), by: auditName(principal) };
}

const noStore = { 'cache-control': 'no-store' };

export const listSalesWindowsFunction = httpFunction({
  name: 'marketing-list-sales-windows',
  route: 'marketing/sales-windows',
  methods: ['GET'],
  handler: async (request) => {
    const { db, file, now } = await marketing(request);
    return json(200, await listSalesWindows(db, file, now), noStore);
  },
});

export const createSalesWindowFunction = httpFunction({
  name: 'marketing-create-sales-window',
  route: 'marketing/sales-windows',
  methods: ['POST'],
  handler: async (request) => {
    const context = await marketing(request);
    const window = await createSalesWindow(context, await readJson(request));
    return json(201, window, { ...noStore, location: `/api/marketing/sales-windows/${window.id}` });
  },
});

export const updateSalesWindowFunction = httpFunction({
  name: 'marketing-update-sales-window',
  route: 'marketing/sales-windows/{id}',
  methods: ['PUT'],
  handler: async (request) => {
    const context = await marketing(request);
    const id = String(request.params.id ?? '');
    return json(200, await updateSalesWindow(context, id, await readJson(request)), noStore);
  },
});

export const deleteSalesWindowFunction = httpFunction({
  name: 'marketing-delete-sales-window',
  route: 'marketing/sales-windows/{id}',
  methods: ['DELETE'],
  handler: async (request) => {
    const context = await marketing(request);
    await deleteSalesWindow(context, String(request.params.id ?? ''));
    return { status: 204, headers: noStore };
  },
});

const DAY = 86_400_000;
const instant = z
  .string()
  .refine(
    (value) => /(Z|[+-]\d{2}:?\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)),
    'must be an ISO instant with Z or an offset, e.g. 2026-11-27T00:00:00Z',
  )
  .transform((value) => new Date(Date.parse(value)));
const planQuerySchema = z
  .strictObject({ from: instant.optional(), to: instant.optional() })
  .transform((query, ctx) => {
    const from = query.from ?? new Date();
    const to = query.to ?? new Date(from.getTime() + 30 * DAY);
    if (to.getTime() <= from.getTime())
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (to.getTime() - from.getTime() > 400 * DAY)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be at most 400 days after from' });
    return { from, to };
  });

export const capacityPlanFunction = httpFunction({
  name: 'marketing-capacity-plan',
  route: 'marketing/capacity-plan',
  methods: ['GET'],
  handler: async (request) => {
    const { db, file, now } = await marketing(request);
    const parsed = planQuerySchema.safeParse(queryObject(request));
    if (!parsed.success) throw validationFailed(zodFieldErrors(parsed.error));
    const s = await services();
    const deployed = await deployedNow(s.config.scaling, file.policy.baseline);
    return json(200, await capacityPlanBetween(db, file, { ...parsed.data, now }, deployed), noStore);
  },
});

/** What is deployed now: the capacity target's answer, or the baseline where there is no target. */
async function deployedNow(
  settings: Parameters<typeof configuredCapacityTarget>[0],
  baseline: DeployedCapacity['capacity'],
): Promise<DeployedCapacity> {
  const target = await configuredCapacityTarget(settings);
  if (!target) return { source: 'baseline (no capacity target configured here)', capacity: baseline };
  try {
    return { source: target.description, capacity: await target.read() };
  } catch (error) {
    return {
      source: target.description,
      capacity: null,
      error: `could not read it: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

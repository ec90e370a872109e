// The marketing page's view of the API (docs/api.md, "Marketing"). Shapes come from the server
// code that builds them (type-only imports: nothing of it is bundled).
import type { Capacity } from '../../../shared/scaling/sales-calendar';
import type {
  CapacityPlanView,
  SalesWindowChangeView,
  SalesWindowsListing,
  SalesWindowView,
} from '../../../shared/scaling/sales-windows.service';
import { api, query } from '../api';

export type { Capacity, CapacityPlanView, SalesWindowChangeView, SalesWindowsListing, SalesWindowView };

/** What the form sends: a window in local time in its zone. */
export interface SalesWindowInput {
  name: string;
  start: string;
  end: string;
  timeZone: string;
  expectedPeakRps: number;
  version?: number;
}

export const listWindows = () => api<SalesWindowsListing>('/marketing/sales-windows', { auth: true });

export const createWindow = (input: SalesWindowInput) =>
  api<SalesWindowView>('/marketing/sales-windows', { method: 'POST', body: input, auth: true });

export const updateWindow = (id: string, input: SalesWindowInput) =>
  api<SalesWindowView>(`/marketing/sales-windows/${encodeURIComponent(id)}`, {
    method: 'PUT',
    body: input,
    auth: true,
  });

export const deleteWindow = (id: string) =>
  api<void>(`/marketing/sales-windows/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true });

export const capacityPlan = (from: Date, to: Date) =>
  api<CapacityPlanView>(
    `/marketing/capacity-plan${query({ from: from.toISOString(), to: to.toISOString() })}`,
    { auth: true },
  );

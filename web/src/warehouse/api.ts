// The warehouse page's view of the API (docs/api.md, "Warehouse"). Shapes come from the server
// code that builds them (type-only imports: nothing of it is bundled).
import type { listPickRequests, markShipped } from '../../../shared/fulfilment/warehouse.service';
import { api, query } from '../api';

export type PickListPage = Awaited<ReturnType<typeof listPickRequests>>;
export type PickRequest = PickListPage['items'][number];
export type Shipped = Awaited<ReturnType<typeof markShipped>>;

export interface PickListFilters {
  status: 'pending' | 'shipped';
  /** `YYYY-MM-DD` or '' (no bound). */
  createdFrom: string;
  createdTo: string;
}

export const pageSize = 20;

export const listPickList = (filters: PickListFilters, continuationToken?: string) =>
  api<PickListPage>(
    `/fulfilment/requests${query({
      status: filters.status,
      limit: pageSize,
      createdFrom: filters.createdFrom || undefined,
      createdTo: filters.createdTo || undefined,
      continuationToken,
    })}`,
    { auth: true },
  );

export const shipRequest = (id: string, body: { carrier: string; trackingNumber: string }) =>
  api<Shipped>(`/fulfilment/requests/${encodeURIComponent(id)}/shipped`, {
    method: 'POST',
    body,
    auth: true,
  });

// The operations page's view of the API (docs/api.md, "Operations"). Shapes come from the
// server code that builds them (type-only imports: nothing of it is bundled).
import type { DeadLetterView } from '../../../shared/messaging/dead-letters.port';
import type {
  ConsumerLag,
  HeartbeatStatus,
  OperationsOverview,
} from '../../../shared/operations/operations.service';
import { api } from '../api';

export type { ConsumerLag, DeadLetterView, HeartbeatStatus, OperationsOverview };

export const overview = () => api<OperationsOverview>('/operations/overview', { auth: true });

export const listDeadLetters = () =>
  api<{ items: DeadLetterView[] }>('/admin/dead-letters', { auth: true }).then((r) => r.items);

export const replayOne = (id: string) =>
  api<{ id: string; replayed: true }>(`/admin/dead-letters/${encodeURIComponent(id)}/replay`, {
    method: 'POST',
    auth: true,
  });

export const replayAll = (subscription: string) =>
  api<{ replayed: number; failed: number; errors: string[] }>('/admin/dead-letters/replay-all', {
    method: 'POST',
    body: { subscription },
    auth: true,
  });

export const purgeOne = (id: string) =>
  api<void>(`/admin/dead-letters/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true });

/** Purges only if the subscription still has `expectedCount` dead letters (409 otherwise). */
export const purgeAll = (subscription: string, expectedCount: number) =>
  api<{ purged: number; failed: number; errors: string[] }>('/admin/dead-letters/purge', {
    method: 'POST',
    body: { subscription, expectedCount },
    auth: true,
  });

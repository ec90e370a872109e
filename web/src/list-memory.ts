// What a "Load more" list had loaded, per URL, so Back (or a reload) shows the same list and the
// router can scroll back to the same place (issue #17, point 6). Kept in sessionStorage: per tab,
// gone with the tab.
import { arrivedBy } from './router';

const PREFIX = 'cartwheel.list:';
const KEEP = 6;

export interface ListMemory<T> {
  items: T[];
  continuationToken: string | null;
}

/** True when the shopper came back to this entry (Back/Forward or a reload), not by a link. */
export function returning(): boolean {
  const how = arrivedBy();
  if (how === 'pop') return true;
  if (how !== 'load') return false;
  const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
  return entry?.type === 'reload' || entry?.type === 'back_forward';
}

export function recall<T>(key: string): ListMemory<T> | null {
  if (!returning()) return null;
  try {
    const raw = sessionStorage.getItem(PREFIX + key);
    return raw ? (JSON.parse(raw) as ListMemory<T>) : null;
  } catch {
    return null;
  }
}

export function remember<T>(key: string, memory: ListMemory<T>): void {
  try {
    const keys = Object.keys(sessionStorage).filter((k) => k.startsWith(PREFIX) && k !== PREFIX + key);
    // the oldest go first (insertion order is not kept by Storage, so drop any beyond the limit)
    for (const old of keys.slice(0, Math.max(0, keys.length - KEEP + 1))) sessionStorage.removeItem(old);
    sessionStorage.setItem(PREFIX + key, JSON.stringify(memory));
  } catch {
    // storage full or blocked: Back starts the list over, as before
  }
}

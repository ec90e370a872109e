// The admin page's view of the API (docs/api.md, "Admin"). Shapes come from the server code
// (type-only imports: nothing of it is bundled).
import type { ProductInput } from '../../../shared/catalogue/catalogue-admin.service';
import type { CatalogueChange } from '../../../shared/catalogue/catalogue-changes.repository';
import { ApiError, api, type Product, query, type SearchResult } from '../api';

export type { Product };
export type ProductBody = ProductInput;

/** One SKU's stock as `GET /admin/inventory?productId=` returns it. */
export interface StockRow {
  sku: string;
  onHand: number;
  held: number;
  available: number;
}

/** One line of the audit trail as `GET /admin/changes` returns it (dates as ISO strings). */
export type ChangeRow = Omit<CatalogueChange, 'changedAt'> & { changedAt: string };

export const pageSize = 20;

export const findProducts = (q: string, page: number, category: string) =>
  api<SearchResult>(
    `/search${query({ q: q || undefined, category: category || undefined, page, pageSize, facets: '' })}`,
  );

/** Fresh, not the browser's cached copy: the admin edits what is stored now. */
export const readProduct = (id: string) =>
  api<Product>(`/products/${encodeURIComponent(id)}?_=${Date.now()}`);

export const saveProduct = (id: string, body: ProductBody) =>
  api<Product>(`/admin/products/${encodeURIComponent(id)}`, { method: 'PUT', body, auth: true });

export const removeProduct = (id: string) =>
  api<void>(`/admin/products/${encodeURIComponent(id)}`, { method: 'DELETE', auth: true });

export const readStock = (productId: string) =>
  api<{ productId: string; items: StockRow[] }>(`/admin/inventory${query({ productId })}`, { auth: true });

export const saveStock = (sku: string, onHand: number) =>
  api<{ sku: string; onHand: number; available: number }>(`/admin/inventory/${encodeURIComponent(sku)}`, {
    method: 'PUT',
    body: { onHand },
    auth: true,
  });

/** The product's most recent changes, newest first (who, when, what). */
export const readChanges = (productId: string, limit = 10) =>
  api<{ items: ChangeRow[]; continuationToken: string | null }>(
    `/admin/changes${query({ productId, limit })}`,
    {
      auth: true,
    },
  );

/**
 * Whether the API admits this user as admin: the stock read without a product answers 400 to an
 * admin (the role is checked first) and 403 to anyone else. Throws the 401/403/network error.
 */
export async function checkAdmin(): Promise<void> {
  try {
    await api('/admin/inventory', { auth: true });
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) return;
    throw error;
  }
}

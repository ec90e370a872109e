// The storefront's view of the public API (docs/api.md). Its shapes are taken from the server
// code that produces them (type-only imports: none of that code is bundled), so the SPA and the
// API cannot drift apart; only answers the server builds inline are declared here.
import type { CartLineView, CartView } from '../../shared/cart/cart.service';
import type { ProductSummary as CatalogueProductSummary } from '../../shared/catalogue/catalogue.service';
import type { ProductView } from '../../shared/catalogue/product';
import type { CheckoutRequest } from '../../shared/checkout/checkout-request';
import type { AvailabilityMessage } from '../../shared/inventory/availability-notifier';
import type {
  OrderLineView,
  OrderSummary,
  OrderView,
  ShippingAddressView,
} from '../../shared/orders/orders.repository';
import type { Negotiated } from '../../shared/realtime/realtime-hub.port';
import type { SearchResult } from '../../shared/search/search-index.port';

export const API_BASE = '/api';

export type ProductSummary = CatalogueProductSummary;
export type Product = ProductView;
export type { Negotiated, OrderSummary, SearchResult };
/** `GET /products/{id}/availability` answers with the fields the live push carries. */
export type Availability = Pick<AvailabilityMessage, 'productId' | 'available' | 'updatedAt'> & {
  /** The SKU a live message is about (a variant's count, for a product with variants). */
  sku?: string;
  /** Every variant's count (the polling fallback, for a product with variants). */
  variants?: Array<{ sku: string; available: number }>;
};
export type CartLine = CartLineView;
export type Cart = CartView;
export type ShippingAddress = ShippingAddressView;
export type PaymentInput = CheckoutRequest['payment'];
export type OrderStatus = OrderView['status'];
export type OrderLine = OrderLineView;
export type Order = OrderView;

/** A page of a list (`/products`, `/orders`): built inline by each list's handler. */
export interface Page<T> {
  items: T[];
  continuationToken: string | null;
}

/** `GET /client-config` (functions/config/client-config.ts builds it inline). */
export type AuthConfig =
  | { mode: 'local' }
  | { mode: 'entra'; authority: string; clientId: string; scopes: string[] };

export interface ClientConfig {
  auth: AuthConfig;
  stripePublishableKey: string | null;
  paypalClientId: string | null;
  payments: { sandbox: boolean };
  cartHoldMinutes: number;
}

/** The 202 answer of `POST /checkout` when the bank wants the buyer (checkout.service.ts). */
export interface RequiresAction {
  status: 'requires_action';
  order: Order;
  clientSecret?: string;
  nextActionUrl?: string;
  reference: string;
}

/** An `application/problem+json` answer, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: Record<string, string[]>;
  readonly body: Record<string, unknown>;

  constructor(status: number, body: Record<string, unknown>) {
    const detail = typeof body.detail === 'string' ? body.detail : '';
    super(detail || `Request failed (${status})`);
    this.status = status;
    this.code = typeof body.code === 'string' ? body.code : status === 0 ? 'network_error' : 'error';
    this.detail = detail;
    this.errors = (body.errors as Record<string, string[]> | undefined) ?? {};
    this.body = body;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }
}

let tokenProvider: () => Promise<string | undefined> = async () => undefined;
let onUnauthenticated: () => void = () => {};

export function setTokenProvider(provider: () => Promise<string | undefined>, onUnauth: () => void): void {
  tokenProvider = provider;
  onUnauthenticated = onUnauth;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  auth?: boolean;
}

/** JSON request to the API. Throws ApiError for problems and network failures. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.auth) {
    const token = await tokenProvider();
    if (token) headers.authorization = `Bearer ${token}`;
  }
  let response: Response;
  try {
    response = await fetch(API_BASE + path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, { detail: 'Could not reach the shop. Check your connection and try again.' });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = { detail: text.slice(0, 200) };
  }
  if (!response.ok) {
    const problem = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    if (response.status === 401 && options.auth) onUnauthenticated();
    throw new ApiError(response.status, problem);
  }
  return body as T;
}

const prefetched = new Map<string, Promise<unknown>>();

/**
 * Starts a public GET before the page that needs it has loaded (main.tsx does this for the
 * product route, so the API call runs in parallel with the route chunk's download).
 */
export function prefetch(path: string): void {
  if (prefetched.has(path)) return;
  const request = api(path);
  request.catch(() => prefetched.delete(path));
  prefetched.set(path, request);
}

/** The prefetched answer once, else a fresh request. */
export function apiOnce<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const early = prefetched.get(path);
  if (early) {
    prefetched.delete(path);
    return early as Promise<T>;
  }
  return api<T>(path, options);
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** A v4 UUID for Idempotency-Key headers. */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const defaultConfig: ClientConfig = {
  auth: { mode: 'local' },
  stripePublishableKey: null,
  paypalClientId: null,
  payments: { sandbox: true },
  cartHoldMinutes: 15,
};

let configPromise: Promise<ClientConfig> | undefined;

/** `/client-config`, fetched once; the local defaults while the endpoint is absent (404). */
export function clientConfig(): Promise<ClientConfig> {
  configPromise ??= api<ClientConfig>('/client-config').catch((error: unknown) => {
    configPromise = undefined;
    if (error instanceof ApiError && error.status === 404) return defaultConfig;
    throw error;
  });
  return configPromise;
}

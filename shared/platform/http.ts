import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as z from 'zod';
import { AppError, type FieldErrors, isAppError, validationFailed } from './errors';

export const problemContentType = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  errors?: FieldErrors;
  [extension: string]: unknown;
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problemResponse(error: AppError, headers: Record<string, string> = {}): HttpResponseInit {
  const problem: Problem = {
    type: `https://errors.storefront.example/${error.code}`,
    title: titles[error.status] ?? 'Error',
    status: error.status,
    code: error.code,
    detail: error.message,
    ...error.extra,
  };
  return {
    status: error.status,
    headers: { 'content-type': problemContentType, 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(problem),
  };
}

/** The one place where anything thrown by a handler becomes an HTTP response. */
export function errorToResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (isAppError(error)) {
    const retryAfter = error.extra.retryAfterSeconds;
    return problemResponse(
      error,
      typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {},
    );
  }
  if (error instanceof z.ZodError) return problemResponse(validationFailed(zodFieldErrors(error)));
  context.error('Unhandled error', error instanceof Error ? (error.stack ?? error.message) : String(error));
  return problemResponse(
    new AppError(500, 'internal_error', `Something went wrong. Quote invocation ${context.invocationId}.`),
  );
}

export function zodFieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(body)';
    errors[field] ??= [];
    errors[field].push(issue.message);
  }
  return errors;
}

/** Parses `value` with `schema`, throwing `validation_failed` with per-field errors. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(zodFieldErrors(result.error));
  return result.data;
}

/** Reads a JSON body; invalid JSON and a non-JSON content type are 4xx, never 500. */
export async function readJson(request: HttpRequest): Promise<unknown> {
  const contentType = request.headers.get('content-type') ?? '';
  if (contentType && !/^application\/([\w.+-]*\+)?json\b/i.test(contentType)) {
    throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json.');
  }
  const text = await request.text();
  if (text.trim() === '') throw validationFailed({ '(body)': ['A JSON body is required.'] });
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

/** Like `readJson`, but an empty body is `{}` (for actions whose fields are all optional). */
export async function readOptionalJson(request: HttpRequest): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(400, 'invalid_json', 'The body is not valid JSON.');
  }
}

export async function readJsonWith<T>(request: HttpRequest, schema: z.ZodType<T>): Promise<T> {
  return parseWith(schema, await readJson(request));
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** A strong ETag over a JSON body, and 304 when the client already has it. */
export function cachedJson(
  request: HttpRequest,
  body: string,
  etag: string,
  cacheControl: string,
): HttpResponseInit {
  const headers = { etag, 'cache-control': cacheControl, 'content-type': 'application/json' };
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch?.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
    return { status: 304, headers };
  }
  return { status: 200, headers, body };
}

/**
 * Query parameters as a plain object, for schema parsing. It has no prototype, so a parameter
 * named `__proto__` (or `constructor`) is an own key like any other (and an unknown one is
 * refused by the parser) instead of silently replacing the object's prototype.
 */
export function queryObject(request: HttpRequest): Record<string, string> {
  const result: Record<string, string> = Object.create(null);
  for (const [key, value] of request.query) result[key] = value;
  return result;
}

/** The query string of a request URL: after `?`, before `#`. */
function queryStringOf(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return '';
  const hash = url.indexOf('#', question);
  return url.slice(question + 1, hash < 0 ? undefined : hash);
}

/**
 * A parser of a request's query that keeps its results by query string. For a pure `parse`
 * (the same query string always gives the same result, or the same refusal) this only skips
 * repeating it: a list page is asked for many times over. Results are shared between requests,
 * so `parse` should return a frozen value. A refusal is thrown each time, never kept. The map is
 * bounded: past `max` query strings it starts again.
 */
export function queryParser<T>(
  parse: (query: Record<string, string>) => T,
  max = 512,
): (request: HttpRequest) => T {
  const results = new Map<string, T>();
  return (request) => {
    const key = queryStringOf(request.url);
    const known = results.get(key);
    if (known !== undefined) return known;
    const result = parse(queryObject(request));
    if (results.size >= max) results.clear();
    results.set(key, result);
    return result;
  };
}

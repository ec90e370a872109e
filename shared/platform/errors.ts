/** Field name -> messages, as returned in a problem's `errors` member. */
export type FieldErrors = Record<string, string[]>;

/**
 * The one error type the application throws on purpose. `code` is machine-readable and
 * stable; `status` is the HTTP status it maps to (in `http.ts`, the one place that maps).
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, unknown>;

  constructor(status: number, code: string, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

export function validationFailed(errors: FieldErrors, detail = 'The request has invalid fields.'): AppError {
  return new AppError(400, 'validation_failed', detail, { errors });
}

export function notFound(what: string, id: string): AppError {
  return new AppError(404, 'not_found', `${what} '${id}' was not found.`);
}

export function unauthenticated(detail = 'A valid bearer token is required.'): AppError {
  return new AppError(401, 'unauthenticated', detail);
}

export function forbidden(detail: string): AppError {
  return new AppError(403, 'forbidden', detail);
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

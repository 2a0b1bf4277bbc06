// Errors from the API server, carrying its metav1.Status reason and code.

export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { retryAfterSeconds?: number; causes?: { field?: string; message?: string }[] };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  static fromResponse(method: string, path: string, status: number, body: unknown): ApiError {
    const s = typeof body === 'object' && body !== null ? (body as StatusBody) : {};
    const text =
      s.message ?? (typeof body === 'string' && body !== '' ? body.slice(0, 500) : `HTTP ${status}`);
    return new ApiError(status, s.reason ?? '', `${method} ${path}: ${text}`, s.details?.retryAfterSeconds);
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.status === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409;
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.reason === 'AlreadyExists';
}

export function isGone(err: unknown): boolean {
  return err instanceof ApiError && err.status === 410;
}

export function ignoreNotFound<T>(err: unknown, value: T): T {
  if (isNotFound(err)) return value;
  throw err;
}

// Typed reconcile errors: each says what the runtime does next.
import { sanitizeText } from '../log/sanitize.js';

/** Misconfiguration that retrying cannot fix: Stalled=True, no requeue until the spec changes. */
export class StalledError extends Error {
  override readonly name = 'StalledError';
  constructor(
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(sanitizeText(message), options);
  }
}

/** Something to wait for (a dependency, a source): retry after a fixed delay, not a backoff. */
export class WaitError extends Error {
  override readonly name = 'WaitError';
  constructor(
    readonly reason: string,
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(sanitizeText(message), options);
  }
}

/** A failure worth retrying with exponential backoff. */
export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  constructor(
    readonly reason: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(sanitizeText(message), options);
  }
}

export function reasonOf(err: unknown, fallback: string): string {
  if (err instanceof StalledError || err instanceof WaitError || err instanceof ReconcileError)
    return err.reason;
  return fallback;
}

export function messageOf(err: unknown): string {
  return sanitizeText(err instanceof Error ? err.message : String(err));
}

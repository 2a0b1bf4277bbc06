// Polls an assertion until it passes or time runs out: tests wait for
// conditions, never for fixed sleeps.
export interface EventuallyOptions {
  readonly timeoutMs?: number;
  /** First poll interval; doubles up to maxIntervalMs. */
  readonly intervalMs?: number;
  readonly maxIntervalMs?: number;
  /** Prefix for the error thrown on timeout. */
  readonly message?: string;
}

export class EventuallyTimeoutError extends Error {
  override readonly name = 'EventuallyTimeoutError';
}

/** Calls fn until it returns without throwing; returns its value. */
export async function eventually<T>(fn: () => T | Promise<T>, opts: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const maxInterval = opts.maxIntervalMs ?? 500;
  let interval = opts.intervalMs ?? 50;
  const started = Date.now();
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return await fn();
    } catch (err) {
      const elapsed = Date.now() - started;
      if (elapsed + interval > timeoutMs) {
        const prefix = opts.message === undefined ? '' : `${opts.message}: `;
        const reason = err instanceof Error ? err.message : String(err);
        throw new EventuallyTimeoutError(
          `${prefix}still failing after ${(elapsed / 1000).toFixed(1)}s and ${attempts} attempts: ${reason}`,
          { cause: err },
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
    interval = Math.min(interval * 2, maxInterval);
  }
}

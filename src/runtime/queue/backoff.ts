// Per-item exponential failure backoff (client-go's ItemExponentialFailureRateLimiter),
// with Flux's defaults: 750 ms doubling up to 15 minutes.

export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 750, maxMs: 15 * 60 * 1000 };

export class ItemBackoff {
  readonly #failures = new Map<string, number>();
  constructor(readonly options: BackoffOptions = DEFAULT_BACKOFF) {}

  /** Delay before the next retry of `key`, counting this failure. */
  next(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    // 2^failures overflows to Infinity quickly; the cap keeps it finite.
    return Math.min(this.options.maxMs, this.options.baseMs * 2 ** failures);
  }

  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }
}

/** `ms` moved randomly by up to ±percent (Flux's --interval-jitter-percentage). */
export function jitter(ms: number, percent: number, random: () => number = Math.random): number {
  if (percent <= 0) return ms;
  const spread = (ms * percent) / 100;
  return Math.max(0, Math.round(ms - spread + random() * 2 * spread));
}

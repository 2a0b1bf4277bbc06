// Running at most `limit` async calls at once, results kept in input order.

export interface LimitOptions {
  readonly limit: number;
  /** Start nothing new once a call has failed (in-flight calls still finish). */
  readonly stopOnError?: boolean;
}

export type Outcome<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

/**
 * Calls fn for each item, at most `limit` at once; the outcome of each call in input
 * order. With stopOnError, items not started after a failure have no outcome (undefined).
 */
export async function mapLimited<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => Promise<R>,
  opts: LimitOptions,
): Promise<(Outcome<R> | undefined)[]> {
  const outcomes: (Outcome<R> | undefined)[] = new Array<Outcome<R> | undefined>(items.length).fill(
    undefined,
  );
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length && !(failed && opts.stopOnError === true)) {
      const index = next++;
      try {
        outcomes[index] = { ok: true, value: await fn(items[index] as T, index) };
      } catch (error) {
        failed = true;
        outcomes[index] = { ok: false, error };
      }
    }
  };
  const workers = Math.max(1, Math.min(opts.limit, items.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return outcomes;
}

/** The errors among outcomes, in input order. */
export function failures<R>(outcomes: readonly (Outcome<R> | undefined)[]): unknown[] {
  return outcomes.flatMap((o) => (o !== undefined && !o.ok ? [o.error] : []));
}

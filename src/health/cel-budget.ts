// A bound on what one CEL evaluation may read. The library has no cost limit
// and cannot be interrupted, and a tenant controls both the expression and the
// object it reads, so `a.all(x, a.all(y, ...))` over a long list would block
// the event loop. Every property read through the variables (list elements
// included) is counted; past the limit the read throws and the evaluation
// fails.

export class CostLimitExceeded extends Error {
  override readonly name = 'CostLimitExceeded';
}

export interface Budget {
  /** The variables, wrapped so that reads are counted. */
  readonly vars: Record<string, unknown>;
  /** True once a read went over the limit, even if the library swallowed the error. */
  exceeded(): boolean;
  /** Stops counting: values the evaluation returns may hold wrapped objects, which the caller reads freely. */
  release(): void;
}

export function withBudget(vars: Record<string, unknown>, limit: number): Budget {
  let left = limit;
  let over = false;
  let counting = true;
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const cached = proxies.get(value);
    if (cached !== undefined) return cached;
    // A proxy must report a frozen target's properties unchanged, so a frozen
    // object is wrapped through a shallow copy whose properties it may replace.
    const target: object = Object.isFrozen(value) ? shallowCopy(value) : value;
    const proxy = new Proxy(target, {
      get(t, key, receiver): unknown {
        if (counting && --left < 0) {
          over = true;
          throw new CostLimitExceeded(`the evaluation read more than ${limit} values`);
        }
        return wrap(Reflect.get(t, key, receiver));
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(vars)) wrapped[name] = wrap(value);
  return {
    vars: wrapped,
    exceeded: () => over,
    release: () => {
      counting = false;
    },
  };
}

function shallowCopy(value: object): object {
  return Array.isArray(value) ? [...(value as unknown[])] : { ...value };
}

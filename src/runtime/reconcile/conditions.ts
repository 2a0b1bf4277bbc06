// Condition helpers (kstatus compatible). lastTransitionTime changes only when the
// status changes; every condition records the generation it was computed for.
import { ConditionType, NEGATIVE_POLARITY_CONDITIONS, Reason } from '../../api/meta/conditions.js';
import type { Condition } from '../../api/meta/status.js';

export type ConditionStatus = Condition['status'];

export class Conditions {
  readonly #list: Condition[];
  readonly #generation: number;
  readonly #now: () => Date;

  constructor(
    existing: readonly Condition[] | undefined,
    generation: number,
    now: () => Date = () => new Date(),
  ) {
    this.#list = (existing ?? []).map((c) => ({ ...c }));
    this.#generation = generation;
    this.#now = now;
  }

  get(type: string): Condition | undefined {
    return this.#list.find((c) => c.type === type);
  }

  has(type: string): boolean {
    return this.get(type) !== undefined;
  }

  isTrue(type: string): boolean {
    return this.get(type)?.status === 'True';
  }

  set(type: string, status: ConditionStatus, reason: string, message: string): void {
    const existing = this.get(type);
    const condition: Condition = {
      type,
      status,
      reason,
      message: message.slice(0, 32768),
      observedGeneration: this.#generation,
      lastTransitionTime:
        existing !== undefined && existing.status === status
          ? existing.lastTransitionTime
          : rfc3339(this.#now()),
    };
    if (existing === undefined) this.#list.push(condition);
    else Object.assign(existing, condition);
  }

  markTrue(type: string, reason: string, message: string): void {
    this.set(type, 'True', reason, message);
  }

  markFalse(type: string, reason: string, message: string): void {
    this.set(type, 'False', reason, message);
  }

  markUnknown(type: string, reason: string, message: string): void {
    this.set(type, 'Unknown', reason, message);
  }

  markReconciling(reason: string, message: string): void {
    this.markTrue(ConditionType.Reconciling, reason, message);
  }

  markStalled(reason: string, message: string): void {
    this.markTrue(ConditionType.Stalled, reason, message);
  }

  delete(type: string): void {
    const index = this.#list.findIndex((c) => c.type === type);
    if (index >= 0) this.#list.splice(index, 1);
  }

  /** Conditions in a stable order: Ready first, then Reconciling, Stalled, then the rest by type. */
  toList(): Condition[] {
    const rank = (t: string): number =>
      t === ConditionType.Ready
        ? 0
        : t === ConditionType.Reconciling
          ? 1
          : t === ConditionType.Stalled
            ? 2
            : 3;
    return [...this.#list]
      .filter((c) => !(NEGATIVE_POLARITY_CONDITIONS.has(c.type) && c.status !== 'True'))
      .sort((a, b) => rank(a.type) - rank(b.type) || a.type.localeCompare(b.type));
  }
}

/** The outcome of a reconcile, for computing Ready. */
export type Outcome =
  | { readonly kind: 'success'; readonly reason: string; readonly message: string }
  | { readonly kind: 'retry'; readonly reason: string; readonly message: string }
  | { readonly kind: 'stalled'; readonly reason: string; readonly message: string };

/**
 * Computes Ready, Reconciling and Stalled from the outcome, Flux's way: success →
 * Ready=True, no Reconciling/Stalled; failure → Ready=False with the reason, and
 * Reconciling=True/ProgressingWithRetry (retry) or Stalled=True (stalled). Returns
 * whether status.observedGeneration may be advanced.
 */
export function summarize(conditions: Conditions, outcome: Outcome): boolean {
  switch (outcome.kind) {
    case 'success':
      conditions.delete(ConditionType.Reconciling);
      conditions.delete(ConditionType.Stalled);
      conditions.markTrue(ConditionType.Ready, outcome.reason, outcome.message);
      return true;
    case 'retry': {
      conditions.delete(ConditionType.Stalled);
      conditions.markFalse(ConditionType.Ready, outcome.reason, outcome.message);
      const reconciling = conditions.get(ConditionType.Reconciling);
      conditions.markReconciling(Reason.ProgressingWithRetry, reconciling?.message ?? outcome.message);
      return false;
    }
    case 'stalled':
      conditions.delete(ConditionType.Reconciling);
      conditions.markStalled(outcome.reason, outcome.message);
      conditions.markFalse(ConditionType.Ready, outcome.reason, outcome.message);
      return true;
  }
}

/** metav1.Time: RFC 3339 in UTC with second precision. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

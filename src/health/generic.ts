// The rules every kind shares (kstatus's "generic properties"), and the
// Ready-condition rule for kinds without a rule of their own.
import { ConditionType, Reason } from '../api/meta/conditions.js';
import type { KubeObject } from '../api/object.js';
import { conditionsOf, findCondition, groupOf, optionalIntAt } from './fields.js';
import type { HealthResult } from './status.js';

/**
 * Decides from what all kinds share, or returns undefined to let the kind's own
 * rule decide: deletion → Terminating; an unobserved generation → InProgress;
 * Reconciling=True → InProgress; Stalled=True → Failed.
 */
export function genericHealth(obj: KubeObject): HealthResult | undefined {
  if (typeof obj.metadata.deletionTimestamp === 'string' && obj.metadata.deletionTimestamp !== '') {
    return { status: 'Terminating', message: `${obj.kind} is being deleted` };
  }
  const unobserved = unobservedGeneration(obj);
  if (unobserved !== undefined) return unobserved;
  for (const c of conditionsOf(obj)) {
    if (c.status !== 'True') continue;
    if (c.type === ConditionType.Reconciling) {
      return { status: 'InProgress', message: withDefault(c.message, `${obj.kind} is reconciling`) };
    }
    if (c.type === ConditionType.Stalled) {
      return { status: 'Failed', message: withDefault(c.message, `${obj.kind} is stalled (${c.reason})`) };
    }
  }
  return undefined;
}

/** InProgress when status.observedGeneration is set and differs from metadata.generation. */
export function unobservedGeneration(obj: KubeObject): HealthResult | undefined {
  const generation = optionalIntAt(obj, 'metadata.generation');
  const observed = optionalIntAt(obj, 'status.observedGeneration');
  if (generation === undefined || observed === undefined || generation === observed) return undefined;
  return {
    status: 'InProgress',
    message: `${obj.kind} generation ${generation} is not observed yet (observed: ${observed})`,
  };
}

// Ready=False reasons of Flux objects that mean "still working on it", not "failed".
const PROGRESSING_REASONS: ReadonlySet<string> = new Set([
  Reason.Progressing,
  Reason.ProgressingWithRetry,
  Reason.DependencyNotReady,
  Reason.HealthCheckCanceled,
]);

export function isFluxGroup(group: string): boolean {
  return group.endsWith('.toolkit.fluxcd.io');
}

/**
 * The rule for kinds without their own: the Ready condition when there is one.
 *
 * Flux kinds (group `*.toolkit.fluxcd.io`) follow the flux CLI's readiness
 * check: a Ready condition for an older generation is not an answer yet, and
 * Ready=False is a failure unless its reason says the object is still
 * progressing; an object with conditions but no Ready has not been reconciled
 * yet, while one with no status at all is static (Provider, Alert). Other kinds
 * follow kstatus (no conditions → Current), except that Ready=False is read as
 * InProgress where kstatus would ignore it: a custom resource that says it is
 * not ready is not treated as healthy.
 */
export function readyConditionHealth(obj: KubeObject): HealthResult {
  const ready = findCondition(obj, ConditionType.Ready);
  const flux = isFluxGroup(groupOf(obj.apiVersion));
  if (ready === undefined) {
    const hasStatus =
      conditionsOf(obj).length > 0 || optionalIntAt(obj, 'status.observedGeneration') !== undefined;
    if (flux && hasStatus) return { status: 'InProgress', message: `${obj.kind} has no Ready condition yet` };
    return { status: 'Current', message: `${obj.kind} is current` };
  }
  const generation = optionalIntAt(obj, 'metadata.generation');
  if (flux && optionalIntAt(obj, 'status.observedGeneration') === undefined) {
    return { status: 'InProgress', message: `${obj.kind} has not been reconciled yet` };
  }
  if (
    flux &&
    ready.observedGeneration !== undefined &&
    ready.observedGeneration !== 0 &&
    generation !== undefined &&
    ready.observedGeneration !== generation
  ) {
    return {
      status: 'InProgress',
      message: `${obj.kind} Ready condition is for generation ${ready.observedGeneration}, not ${generation}`,
    };
  }
  switch (ready.status) {
    case 'True':
      return { status: 'Current', message: withDefault(ready.message, `${obj.kind} is ready`) };
    case 'False': {
      const message = withDefault(ready.message, `${obj.kind} is not ready (${ready.reason})`);
      if (flux && !PROGRESSING_REASONS.has(ready.reason)) return { status: 'Failed', message };
      return { status: 'InProgress', message };
    }
    default:
      return {
        status: 'InProgress',
        message: withDefault(ready.message, `${obj.kind} readiness is unknown`),
      };
  }
}

function withDefault(message: string, fallback: string): string {
  return message.trim() === '' ? fallback : message;
}

// A Kustomization's durations with Flux's defaults: retryInterval = interval;
// timeout = interval − 30s, at least 30s. A value the schema let through but no timer
// can hold (0s, 1ns, 99999999999h) is clamped; a malformed one stalls this object only.
import type { Kustomization } from '../../../api/kustomize/kustomization.js';
import { Reason } from '../../../api/meta/conditions.js';
import { parseDuration } from '../../../runtime/manager/duration.js';
import { StalledError } from '../../../runtime/reconcile/errors.js';

const MIN_TIMEOUT_MS = 30_000;
/** Shortest period honoured: a 0s or 1ns interval must not become a hot loop. */
const MIN_PERIOD_MS = 1000;
/** Node's timers hold at most 2^31−1 ms (~24.8 days); longer periods are capped. */
const MAX_PERIOD_MS = 2 ** 31 - 1;

function duration(
  obj: Kustomization,
  field: 'interval' | 'retryInterval' | 'timeout',
  value: string,
): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new StalledError(Reason.Failed, `spec.${field}: ${(err as Error).message}`);
  }
  if (!Number.isFinite(ms) || ms < 0) {
    throw new StalledError(Reason.Failed, `spec.${field}: "${value}" is not a positive duration`);
  }
  return Math.min(Math.max(ms, MIN_PERIOD_MS), MAX_PERIOD_MS);
}

export function intervalMs(obj: Kustomization): number {
  return duration(obj, 'interval', obj.spec?.interval ?? '10m');
}

export function retryIntervalMs(obj: Kustomization): number {
  const retry = obj.spec?.retryInterval;
  return retry === undefined ? intervalMs(obj) : duration(obj, 'retryInterval', retry);
}

export function timeoutMs(obj: Kustomization): number {
  const timeout = obj.spec?.timeout;
  if (timeout !== undefined) return duration(obj, 'timeout', timeout);
  return Math.min(Math.max(intervalMs(obj) - 30_000, MIN_TIMEOUT_MS), MAX_PERIOD_MS);
}

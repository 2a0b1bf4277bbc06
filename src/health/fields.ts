// Typed reads from live objects, whose shape is only known by convention: a
// field that is absent or of the wrong type reads as the given default.
import type { KubeObject } from '../api/object.js';

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
  readonly observedGeneration?: number;
}

/** The value at a dotted path (`status.loadBalancer.ingress`), or undefined. */
export function fieldAt(obj: unknown, path: string): unknown {
  let value: unknown = obj;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function intAt(obj: unknown, path: string, fallback: number): number {
  const value = fieldAt(obj, path);
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : fallback;
}

/** An integer field, or undefined when it is absent: generation checks need "not set". */
export function optionalIntAt(obj: unknown, path: string): number | undefined {
  const value = fieldAt(obj, path);
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : undefined;
}

export function stringAt(obj: unknown, path: string, fallback = ''): string {
  const value = fieldAt(obj, path);
  return typeof value === 'string' ? value : fallback;
}

export function arrayAt(obj: unknown, path: string): readonly unknown[] {
  const value = fieldAt(obj, path);
  return Array.isArray(value) ? value : [];
}

/** status.conditions, keeping only entries with a string type and status. */
export function conditionsOf(obj: KubeObject): Condition[] {
  const out: Condition[] = [];
  for (const raw of arrayAt(obj, 'status.conditions')) {
    const type = fieldAt(raw, 'type');
    const status = fieldAt(raw, 'status');
    if (typeof type !== 'string' || typeof status !== 'string') continue;
    const observedGeneration = optionalIntAt(raw, 'observedGeneration');
    out.push({
      type,
      status,
      reason: stringAt(raw, 'reason'),
      message: stringAt(raw, 'message'),
      ...(observedGeneration === undefined ? {} : { observedGeneration }),
    });
  }
  return out;
}

export function findCondition(obj: KubeObject, type: string): Condition | undefined {
  return conditionsOf(obj).find((c) => c.type === type);
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `1 replica`, `2 replicas`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

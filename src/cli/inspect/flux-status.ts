// What the inspection commands read from Flux objects, whose kinds they handle
// generically: the Ready condition with its transition time, suspension, the
// source artifact. Absent or mistyped fields read as absent.
import type { KubeObject } from '../../api/object.js';
import { arrayAt, fieldAt, optionalIntAt, stringAt } from '../../health/fields.js';

export interface ReadyCondition {
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export function readyOf(obj: KubeObject): ReadyCondition | undefined {
  for (const raw of arrayAt(obj, 'status.conditions')) {
    if (fieldAt(raw, 'type') !== 'Ready') continue;
    const status = fieldAt(raw, 'status');
    return {
      status: status === 'True' || status === 'False' ? status : 'Unknown',
      reason: stringAt(raw, 'reason'),
      message: stringAt(raw, 'message'),
      lastTransitionTime: stringAt(raw, 'lastTransitionTime'),
    };
  }
  return undefined;
}

export function isSuspended(obj: KubeObject): boolean {
  return fieldAt(obj, 'spec.suspend') === true;
}

export interface ArtifactSummary {
  readonly revision: string;
  readonly size?: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export function artifactOf(obj: KubeObject): ArtifactSummary | undefined {
  const artifact = fieldAt(obj, 'status.artifact');
  if (artifact === undefined || artifact === null || typeof artifact !== 'object') return undefined;
  const size = optionalIntAt(artifact, 'size');
  const raw = fieldAt(artifact, 'metadata');
  const metadata: Record<string, string> = {};
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') metadata[k] = v;
  }
  return { revision: stringAt(artifact, 'revision'), ...(size === undefined ? {} : { size }), metadata };
}

/** `Kind/namespace/name`, or `Kind/name` without a namespace. */
export function objectName(obj: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = obj.metadata.namespace ?? '';
  return ns === '' ? `${obj.kind}/${obj.metadata.name}` : `${obj.kind}/${ns}/${obj.metadata.name}`;
}
